--[[
  Schedules the first read of an upstream job unless it is already scheduled or being read (a repeat changes nothing).
  A wake flag left by a provider callback (the job ended before its submit was even recorded) is taken and makes the
  read immediate.

  Input:
    KEYS[1] due
    KEYS[2] run
    KEYS[3] the task's wake flag
    ARGV[1] member
    ARGV[2] first read (ms epoch)

  Output: 1 when added, else 0.
]]
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if redis.call('DEL', KEYS[3]) == 1 then return redis.call('ZADD', KEYS[1], 0, ARGV[1]) end
return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
