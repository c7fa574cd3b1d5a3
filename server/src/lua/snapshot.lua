-- KEYS[2] meta, KEYS[3] log; ARGV[5] the cursor's epoch ('' if none), ARGV[6] the cursor's
-- seq, ARGV[7] the stream's epoch tag (the user, or '#' and the channel). Returns
-- {epoch, first, head, after, seq, frame, ...} with the epoch without its tag
-- ('<deployment epoch>:<gen>'): the resume rule of hub::resume_point,
-- applied here so window and replay are one snapshot. A new socket keeps the keys alive.
local ep = epoch() .. ':' .. gen(KEYS[2], KEYS[3])
trim_age(KEYS[3], now_ms() - tonumber(ARGV[3]))
keep(KEYS[2], KEYS[3], ARGV[4])
local first, head = window(KEYS[2], KEYS[3])
local after = first - 1
local c = tonumber(ARGV[6])
if ARGV[5] == ep .. ':' .. ARGV[7] and first - 1 <= c and c <= head then after = c end
local out = {ep, int(first), int(head), int(after)}
for _, v in ipairs(since(KEYS[3], after)) do out[#out + 1] = v end
return out
