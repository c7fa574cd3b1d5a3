-- Shared by every spellwire script. KEYS[1] is the epoch key, ARGV[1] a fresh random epoch
-- candidate: the epoch is created on first use (SET NX) and so changes exactly when Redis
-- lost everything (a restart without persistence, FLUSHALL).
-- Stream entries have ID "<seq>-0" and fields t (Redis time, ms) and f (the event frame).
local function epoch()
  redis.call('SET', KEYS[1], ARGV[1], 'NX')
  return redis.call('GET', KEYS[1])
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int(n)
  return string.format('%d', n)
end

-- Deletes the oldest entries of `log` older than `cutoff` (entries are in time order).
local function trim_age(log, cutoff)
  while true do
    local old = {}
    local batch = redis.call('XRANGE', log, '-', '+', 'COUNT', 100)
    for _, e in ipairs(batch) do
      if tonumber(e[2][2]) >= cutoff then break end
      old[#old + 1] = e[1]
    end
    if #old > 0 then redis.call('XDEL', log, unpack(old)) end
    if #old < 100 then return end
  end
end

-- The retained window: first retained seq (head + 1 when empty) and head.
local function window(head_key, log)
  local head = tonumber(redis.call('GET', head_key) or '0')
  local e = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)
  local first = head + 1
  if #e > 0 then first = tonumber(string.match(e[1][1], '^(%d+)')) end
  return first, head
end

-- Frames with seq > after, flattened as {seq, frame, seq, frame, ...}.
local function since(log, after)
  local out = {}
  for _, e in ipairs(redis.call('XRANGE', log, int(after + 1), '+')) do
    out[#out + 1] = string.match(e[1], '^(%d+)')
    out[#out + 1] = e[2][4]
  end
  return out
end

-- Appends one event and publishes it, atomically, so publication order is seq order.
-- KEYS[2] head, KEYS[3] log; ARGV[2] max events, ARGV[3] max age (ms), ARGV[4]/ARGV[5] the
-- frame before/after its seq, ARGV[6] channel, ARGV[7] user. Returns {seq, subscribers}.
local function append()
  epoch()
  local seq = redis.call('INCR', KEYS[2])
  local now = now_ms()
  local frame = ARGV[4] .. int(seq) .. ARGV[5]
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[2], int(seq) .. '-0', 't', int(now), 'f', frame)
  trim_age(KEYS[3], now - tonumber(ARGV[3]))
  local n = redis.call('PUBLISH', ARGV[6], ARGV[7] .. '\n' .. int(seq) .. '\n' .. frame)
  return {seq, n}
end
