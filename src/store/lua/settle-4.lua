--[[
  Ends a budget reservation once. Its member in the open set is the token: removed here, so a second settle finds
  nothing.

  Input:
    KEYS[1] open reservations (zset)
    KEYS[2] usage hash of the task's day
    KEYS[3] usage hash of that month
    KEYS[4] task record (read only when ARGV[1] is '')
    ARGV[1] reservation member ('' = build it from the task's record)
    ARGV[2] task id
    ARGV[3] day (YYYY-MM-DD)
    ARGV[4] tenant
    ARGV[5] action
    ARGV[6] charged micros
    ARGV[7] outcome field to count ('' = none)
    ARGV[8] cost field

  Output: 1 settled now, 0 nothing (left) to settle.
]]
--- @include "record"
local member = ARGV[1]
if member == '' then
  local cur = redis.call('GET', KEYS[4])
  if not cur then return 0 end
  local _, _, _, _, micros = recordHeader(cur)
  if not micros or micros == '' then return 0 end
  member = ARGV[2] .. '|' .. ARGV[3] .. '|' .. micros .. '|' .. ARGV[4] .. '|' .. ARGV[5]
end
if redis.call('ZREM', KEYS[1], member) == 0 then return 0 end
local reserved = tonumber(string.match(member, '^[^|]*|[^|]*|(%d+)|'))
local charged = tonumber(ARGV[6])
redis.call('HINCRBY', KEYS[2], 'res', -reserved)
redis.call('HINCRBY', KEYS[2], 'spent', charged)
redis.call('HINCRBY', KEYS[3], 'res', -reserved)
redis.call('HINCRBY', KEYS[3], 'spent', charged)
if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[7], 1) end
if charged > 0 then redis.call('HINCRBY', KEYS[2], ARGV[8], charged) end
return 1
