-- KEYS[3] log; ARGV[5] after. Returns {seq, frame, ...}.
trim_age(KEYS[3], now_ms() - tonumber(ARGV[3]))
return since(KEYS[3], tonumber(ARGV[5]))
