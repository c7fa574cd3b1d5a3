-- POST /api/publish: every event of one request, with its idempotency keys, in one script, so
-- the request is stored whole or not at all and two identical requests (on any nodes) cannot
-- both find their key unused.
-- KEYS[1] epoch; then per item: its key `{p}:idem:{idempotencyKey}` (only if it has one), then
-- meta and log per stream. ARGV[1] as in common.lua (ARGV[2..4] unused: each stream brings its
-- own), ARGV[5] idempotency key lifetime (s), ARGV[6] item count; then per item: fingerprint
-- ('' without a key), the frame after its seq, stream count, and per stream the frame before
-- its seq (a channel's names it), its id, its pub/sub channel, max events, max age (ms) and key
-- lifetime (ms) (see append_to).
-- Returns {'ok', seqs of item 1, ...} with seqs as '3,9' (one per stream), or {'reused', i} when
-- item i's key (counting from 0) was used for another event (then nothing is stored).
local items, k, a = {}, 2, 7
for i = 1, tonumber(ARGV[6]) do
  local it = {fp = ARGV[a], after = ARGV[a + 1], streams = {}}
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  if it.fp ~= '' then
    it.key = KEYS[k]
    k = k + 1
  end
  for j = 1, n do
    it.streams[j] = {meta = KEYS[k], log = KEYS[k + 1], before = ARGV[a], id = ARGV[a + 1],
                     channel = ARGV[a + 2], max_events = ARGV[a + 3], max_age = ARGV[a + 4],
                     ttl = ARGV[a + 5]}
    a, k = a + 6, k + 2
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
    for j, stream in ipairs(it.streams) do
      seqs[j] = int(append_to(stream, stream.before, it.after)[1])
    end
    it.seqs = table.concat(seqs, ',')
    if it.key then redis.call('SET', it.key, it.fp .. ' ' .. it.seqs, 'EX', ARGV[5]) end
  end
  out[i + 1] = it.seqs
end
return out
