--[[
  Writes a task's next state with a version check; never touches a final task. The header's tenant, action and
  reserved amount are kept; version and status are rewritten.

  Input:
    KEYS[1] task record
    KEYS[2] active set
    ARGV[1] expected version
    ARGV[2] new status
    ARGV[3] the record's body: private JSON, a newline, public JSON
    ARGV[4] '1' when the new status is final (leaves the active set, expires after retention)
    ARGV[5] retention (s)
    ARGV[6] task id

  Output: the new version; -1 missing, -2 already final, -3 version conflict.
]]
--- @include "record"
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
local v, st, tenant, action, micros = recordHeader(cur)
if not v then return redis.error_reply('malformed task record ' .. KEYS[1]) end
if isFinalStatus(st) then return -2 end
if v ~= ARGV[1] then return -3 end
local nv = tonumber(v) + 1
redis.call('SET', KEYS[1], nv .. '|' .. ARGV[2] .. '|' .. tenant .. '|' .. action .. '|' .. micros .. '\n' .. ARGV[3], 'KEEPTTL')
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[6])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return nv
