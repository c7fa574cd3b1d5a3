-- KEYS[2] head, KEYS[3] log; ARGV[2] max age (ms), ARGV[3] the cursor's epoch ('' if none),
-- ARGV[4] the cursor's seq, ARGV[5] user. Returns {epoch, first, head, after, seq, frame, ...}:
-- the resume rule of hub::resume_point, applied here so window and replay are one snapshot.
local ep = epoch()
trim_age(KEYS[3], now_ms() - tonumber(ARGV[2]))
local first, head = window(KEYS[2], KEYS[3])
local after = first - 1
local c = tonumber(ARGV[4])
if ARGV[3] == ep .. ':' .. ARGV[5] and first - 1 <= c and c <= head then after = c end
local out = {ep, int(first), int(head), int(after)}
for _, v in ipairs(since(KEYS[3], after)) do out[#out + 1] = v end
return out
