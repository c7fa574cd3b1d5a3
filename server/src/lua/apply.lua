-- KEYS[4] the message id's key, KEYS[5] the applied list; ARGV[8] id lifetime (s),
-- ARGV[9] the message JSON, ARGV[10] applied list cap. Returns {0, 0} for a resend.
if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[8]) then return {0, 0} end
if tonumber(ARGV[10]) > 0 then -- the applied list is kept only for the test hooks
  redis.call('RPUSH', KEYS[5], ARGV[9])
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[10]), -1)
end
return append()
