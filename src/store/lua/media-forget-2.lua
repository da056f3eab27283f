--[[
  Forgets a deleted media object: its record, its expiry entry, and its bytes in its tenant's usage.

  Input:
    KEYS[1] media record (hash)
    KEYS[2] media expiry set
    ARGV[1] media id
    ARGV[2] key of the tenant's usage hash, without the tenant id (the record names the tenant)

  Output: the bytes released (0 when the object was never recorded).
]]
redis.call('ZREM', KEYS[2], ARGV[1])
local rec = redis.call('HMGET', KEYS[1], 'tenant', 'bytes')
if not rec[1] then return 0 end
redis.call('DEL', KEYS[1])
local usage = ARGV[2] .. rec[1]
redis.call('HINCRBY', usage, 'bytes', -tonumber(rec[2]))
redis.call('HINCRBY', usage, 'count', -1)
return tonumber(rec[2])
