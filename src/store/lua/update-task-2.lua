--[[
  Writes a task's next state with a version check; never touches a final task. The header's tenant, action and
  reserved amount are kept; version and status are rewritten. When the status changes to one off the upstream (not
  submitted/running) and slot arguments are given, every slot the task holds and its place in any line are freed in
  the same step, and the freed slots handed to the next waiters: a crash after the write cannot leak a slot.
  A task canceled while its upstream job runs (ARGV[17] given) keeps its provider slot: it is listed as draining until
  the job ends (room-release) or its deadline (room-reclaim), and only its tenant slot and place in line are freed.

  Input:
    KEYS[1] task record
    KEYS[2] active set
    ARGV[1] expected version
    ARGV[2] new status
    ARGV[3] the record's body: private JSON, a newline, public JSON
    ARGV[4] '1' when the new status is final (leaves the active set, expires after retention)
    ARGV[5] retention (s)
    ARGV[6] task id
    ARGV[7] the worklist of final tasks whose follow-ups (webhook event, settle) are still to run ('' = none):
            a final write adds the task, scored by now, in the same step (the sweeper finishes what a crash cut short)
    ARGV[8] the change channel ('' = announce nothing: the public document did not change)
    ARGV[9] the change's time (ms epoch), announced with it
    ARGV[10] slots root ('' = release no slots)   ARGV[11] room root   ARGV[12] circuit root
    ARGV[13] now (ms epoch)    ARGV[14] hand-off marker ttl (s)
    ARGV[15] every configured provider (comma-separated)    ARGV[16] their slot maxima, in the same order
            (ARGV[10]..ARGV[16] are '' when no slots are released)
    ARGV[17] the draining set ('' = the task leaves the upstream whole)    ARGV[18] when the drain ends at the latest (ms)

  Announces the change on the channel in the same step (`<id>\n<version>\n<status>\n<ms>\n<public JSON>`, see
  store/task-changes.ts): the document travels to Redis once, and no change is written without its notice.

  Output: the new version; -1 missing, -2 already final, -3 version conflict.
]]
--- @include "record"
--- @include "room"
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
local v, st, tenant, action, micros = recordHeader(cur)
if not v then return redis.error_reply('malformed task record ' .. KEYS[1]) end
if isFinalStatus(st) then return -2 end
if v ~= ARGV[1] then return -3 end
local nv = tonumber(v) + 1
redis.call('SET', KEYS[1], nv .. '|' .. ARGV[2] .. '|' .. tenant .. '|' .. action .. '|' .. micros .. '\n' .. ARGV[3], 'KEEPTTL')
local slotted = (ARGV[10] or '') ~= ''
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[6])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  if ARGV[7] ~= '' then redis.call('ZADD', ARGV[7], slotted and ARGV[13] or redis.call('TIME')[1] * 1000, ARGV[6]) end
end
local leaves = st ~= ARGV[2] and ARGV[2] ~= 'submitted' and ARGV[2] ~= 'running'
local draining = leaves and ARGV[4] == '1' and (ARGV[17] or '') ~= ''
if draining then redis.call('ZADD', ARGV[17], ARGV[18], ARGV[6]) end
if leaves and slotted then
  local k = roomKeys(ARGV[10], ARGV[11], ARGV[12])
  local providers, maxes = split(ARGV[15]), split(ARGV[16])
  releaseAll(k, ARGV[6], tenant, draining and {} or providers)
  for i, p in ipairs(providers) do dispatch(k, p, tonumber(maxes[i]), tonumber(ARGV[13]), tonumber(ARGV[14])) end
end
if ARGV[8] ~= '' then
  local doc = string.sub(ARGV[3], string.find(ARGV[3], '\n', 1, true) + 1)
  redis.call('PUBLISH', ARGV[8], ARGV[6] .. '\n' .. nv .. '\n' .. ARGV[2] .. '\n' .. ARGV[9] .. '\n' .. doc)
end
return nv
