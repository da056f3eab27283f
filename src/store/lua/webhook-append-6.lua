--[[
  Appends a webhook event to a task's queue (a final event at most once) and names the chain that delivers it.

  Input:
    KEYS[1] seq counter
    KEYS[2] queue of pending event numbers (list)
    KEYS[3] events (hash: seq -> event JSON)
    KEYS[4] bodies still to send (hash: seq -> body)
    KEYS[5] owner chain
    KEYS[6] final marker
    ARGV[1] event JSON
    ARGV[2] body
    ARGV[3] ttl (s)
    ARGV[4] '1' when the event is a final status

  Output: {seq of the new event, owner chain} (the owner is the new seq when no chain was running);
          {0, owner or 0} when the final event was recorded already.
]]
if ARGV[4] == '1' and not redis.call('SET', KEYS[6], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  return {0, tonumber(redis.call('GET', KEYS[5]) or '0')}
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[4], seq, ARGV[2])
redis.call('RPUSH', KEYS[2], seq)
local owner = redis.call('GET', KEYS[5])
if not owner then
  owner = tostring(seq)
  redis.call('SET', KEYS[5], owner)
end
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3])) end
return {seq, tonumber(owner)}
