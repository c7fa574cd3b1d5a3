-- KEYS[3] log; ARGV[2] max age (ms), ARGV[3] after. Returns {seq, frame, ...}.
trim_age(KEYS[3], now_ms() - tonumber(ARGV[2]))
return since(KEYS[3], tonumber(ARGV[3]))
