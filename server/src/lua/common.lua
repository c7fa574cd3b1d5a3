-- Shared by every spellwire script. KEYS[1] is the epoch key; ARGV[1] a fresh random id, used
-- as the epoch if it is missing (SET NX: so the epoch changes exactly when Redis lost
-- everything) and as the generation of a log when a new one starts. ARGV[2] max events per
-- log, ARGV[3] max age of an event (ms), ARGV[4] how long a stream's keys live after their
-- last write (ms): those of the script's stream (publish.lua passes them per stream instead,
-- since channels of different namespaces keep their logs differently).
-- A stream's (user's or channel's) keys: `meta`, a hash of head (the last seq handed out) and
-- gen (the log's generation), and `log`, a stream with IDs "<seq>-0" and fields t (Redis time,
-- ms) and f (the event frame).
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

-- The generation of the stream's log. Without `meta` (a new user, or one whose keys expired) a
-- new log starts: no entries, head 0, and ARGV[1] as its generation, so cursors into the old
-- log (same seqs, old generation) are refused.
local function gen(meta, log)
  local g = redis.call('HGET', meta, 'gen')
  if g then return g end
  redis.call('DEL', log)
  redis.call('HSET', meta, 'gen', ARGV[1], 'head', 0)
  return ARGV[1]
end

-- Lets the stream's keys live another `ttl` ms.
local function keep(meta, log, ttl)
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', log, ttl)
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
local function window(meta, log)
  local head = tonumber(redis.call('HGET', meta, 'head') or '0')
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

-- Appends one event to stream `s` and publishes it, atomically, so publication order is seq
-- order. `s` holds meta, log (keys), channel (its pub/sub channel), id (how the message names
-- it), max_events, max_age, ttl. `before`/`after` are the frame around its seq. The message is
-- `{id}\n{seq}\n{frame}`. Returns {seq, subscribers}.
local function append_to(s, before, after)
  epoch()
  gen(s.meta, s.log)
  local seq = redis.call('HINCRBY', s.meta, 'head', 1)
  local now = now_ms()
  local frame = before .. int(seq) .. after
  redis.call('XADD', s.log, 'MAXLEN', s.max_events, int(seq) .. '-0', 't', int(now), 'f', frame)
  trim_age(s.log, now - tonumber(s.max_age))
  keep(s.meta, s.log, s.ttl)
  local n = redis.call('PUBLISH', s.channel, s.id .. '\n' .. int(seq) .. '\n' .. frame)
  return {seq, n}
end

-- The stream of KEYS[2] meta, KEYS[3] log, with ARGV[2..4] as its limits, ARGV[7] its pub/sub
-- channel and ARGV[8] its id.
local function this_stream()
  return {meta = KEYS[2], log = KEYS[3], channel = ARGV[7], id = ARGV[8],
          max_events = ARGV[2], max_age = ARGV[3], ttl = ARGV[4]}
end

-- append_to for this_stream(); ARGV[5]/ARGV[6] the frame before/after its seq.
local function append()
  return append_to(this_stream(), ARGV[5], ARGV[6])
end
