--[[
  Ends a claimed read: schedules the next one, or none. A wake flag left by a provider callback during the read makes
  the next read immediate (score 0: first in line).

  Input:
    KEYS[1] due
    KEYS[2] run
    KEYS[3] the task's wake flag
    ARGV[1] member
    ARGV[2] lease end it was claimed with
    ARGV[3] next read (ms epoch; '' = no more reads)

  Output: 1, or 0 when the lease was lost meanwhile (another worker has the member now).
]]
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then
  local at = ARGV[3]
  if redis.call('EXISTS', KEYS[3]) == 1 then at = '0' end
  redis.call('ZADD', KEYS[1], at, ARGV[1])
end
return 1
