--[[
  Records a stored media object once: its metadata, its expiry and the tenant's usage. Writing the same id again
  (a retried mirror) only moves its expiry later and counts nothing twice.

  Input:
    KEYS[1] media record (hash)
    KEYS[2] media expiry set (id scored by expiry, ms)
    KEYS[3] the tenant's media usage (hash: bytes, count)
    ARGV[1] media id
    ARGV[2] tenant id
    ARGV[3] content type
    ARGV[4] bytes
    ARGV[5] expires at (ms)
    ARGV[6] now (ISO time)

  Output: 1 when recorded now, 0 when it was already recorded.
]]
redis.call('ZADD', KEYS[2], 'GT', ARGV[5], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'exp', ARGV[5])
  return 0
end
redis.call('HSET', KEYS[1], 'tenant', ARGV[2], 'type', ARGV[3], 'bytes', ARGV[4], 'exp', ARGV[5], 'at', ARGV[6])
redis.call('HINCRBY', KEYS[3], 'bytes', ARGV[4])
redis.call('HINCRBY', KEYS[3], 'count', 1)
return 1
