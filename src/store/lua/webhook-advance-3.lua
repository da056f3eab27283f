--[[
  Moves a task's webhook chain past the event it finished and names the next one.

  Input:
    KEYS[1] queue of pending event numbers (list)
    KEYS[2] owner chain
    KEYS[3] bodies still to send (hash)
    ARGV[1] chain
    ARGV[2] seq just finished ('' = none)

  Output: the next seq to deliver; 0 when the queue is empty (the chain ends); -1 when this chain is not the owner.
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' and redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[3], ARGV[2])
end
local nxt = redis.call('LINDEX', KEYS[1], 0)
if not nxt then
  redis.call('DEL', KEYS[2])
  return 0
end
return tonumber(nxt)
