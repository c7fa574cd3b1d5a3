-- KEYS[4] the user's message ids (a sorted set: id hash -> µs applied, strictly increasing so
-- the cap drops the oldest), KEYS[5] the applied list; ARGV[9] the id's hash, ARGV[10] how
-- long ids are remembered (ms), ARGV[11] at most how many, ARGV[12] the message JSON,
-- ARGV[13] applied list cap. Returns {0, 0} for a resend.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. int(now - tonumber(ARGV[10]) * 1000))
if redis.call('ZSCORE', KEYS[4], ARGV[9]) then return {0, 0} end
local top = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')
if #top > 0 then now = math.max(now, tonumber(top[2]) + 1) end
redis.call('ZADD', KEYS[4], int(now), ARGV[9])
local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[11])
if over > 0 then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, over - 1) end
redis.call('PEXPIRE', KEYS[4], ARGV[10])
if tonumber(ARGV[13]) > 0 then -- the applied list is kept only for the test hooks
  redis.call('RPUSH', KEYS[5], ARGV[12])
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[13]), -1)
  redis.call('PEXPIRE', KEYS[5], ARGV[10])
end
return append()
