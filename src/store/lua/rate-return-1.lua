--[[
  Gives back admissions a process was granted (counted in a second's bucket) but never handed out before that second
  ended: they leave the bucket and the running total, so steady traffic spread over several processes gets its whole
  allowance. Never more than the bucket holds; a bucket already out of the window is left alone.

  Input:
    KEYS[1] the tenant's window (hash, see rate-window-1.lua)
    ARGV[1] the second (Unix) the admissions were counted in
    ARGV[2] how many to give back

  Output: the number given back.
]]
local c = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if not c then return 0 end
local k = math.min(c, tonumber(ARGV[2]))
if k <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], -k)
redis.call('HINCRBY', KEYS[1], 'n', -k)
return k
