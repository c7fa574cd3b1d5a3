-- POST /api/publish: every event of one request, with its idempotency keys, in one script, so
-- the request is stored whole or not at all and two identical requests (on any nodes) cannot
-- both find their key unused.
-- KEYS[1] epoch; then per item: its key `{p}:idem:{idempotencyKey}` (only if it has one), then
-- meta and log per user. ARGV[1..4] as in common.lua, ARGV[5] channel, ARGV[6] idempotency key
-- lifetime (s), ARGV[7] item count; then per item: fingerprint ('' without a key), the frame
-- before/after its seq, user count, the users.
-- Returns {'ok', seqs of item 1, ...} with seqs as '3,9' (one per user), or {'reused', i} when
-- item i's key (counting from 0) was used for another event (then nothing is stored).
local items, k, a = {}, 2, 8
for i = 1, tonumber(ARGV[7]) do
  local it = {fp = ARGV[a], before = ARGV[a + 1], after = ARGV[a + 2], users = {}, metas = {}, logs = {}}
  local n = tonumber(ARGV[a + 3])
  a = a + 4
  if it.fp ~= '' then
    it.key = KEYS[k]
    k = k + 1
  end
  for j = 1, n do
    it.users[j], it.metas[j], it.logs[j] = ARGV[a], KEYS[k], KEYS[k + 1]
    a, k = a + 1, k + 2
  end
  items[i] = it
end

for i, it in ipairs(items) do
  if it.key then
    local rec = redis.call('GET', it.key)
    if rec then
      local fp, seqs = string.match(rec, '^(%S+) (.*)$')
      if fp ~= it.fp then return {'reused', int(i - 1)} end
      it.seqs = seqs
    end
  end
end

local out = {'ok'}
for i, it in ipairs(items) do
  if not it.seqs then
    local seqs = {}
    for j, user in ipairs(it.users) do
      seqs[j] = int(append_to(it.metas[j], it.logs[j], it.before, it.after, ARGV[5], user)[1])
    end
    it.seqs = table.concat(seqs, ',')
    if it.key then redis.call('SET', it.key, it.fp .. ' ' .. it.seqs, 'EX', ARGV[6]) end
  end
  out[i + 1] = it.seqs
end
return out
