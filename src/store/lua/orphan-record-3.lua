--[[
  Records an orphan upstream job once (a job the provider runs that no task knows), counts it in its tenant's usage,
  and keeps the log bounded: entries older than the retention go, then the oldest past the cap.

  Input:
    KEYS[1] orphan log (zset: member -> seen at ms)
    KEYS[2] orphan records (hash: member -> record JSON)
    KEYS[3] usage hash of the tenant's day (touched only when ARGV[6] is not '')
    ARGV[1] member (`<provider>|<upstream id>`)
    ARGV[2] record JSON
    ARGV[3] now (ms)
    ARGV[4] oldest seen-at kept (ms)
    ARGV[5] most entries kept
    ARGV[6] usage count field ('' = no tenant known)
    ARGV[7] usage cost field
    ARGV[8] estimated cost (micro-dollars)
    ARGV[9] usage hash TTL (s), set when it has none

  Output: 1 recorded now, 0 already known.
]]
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local excess = redis.call('ZCARD', KEYS[1]) - #old - tonumber(ARGV[5])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], #old, #old + excess - 1)
  for _, m in ipairs(oldest) do old[#old + 1] = m end
end
for i = 1, #old, 500 do
  local batch = { unpack(old, i, math.min(i + 499, #old)) }
  redis.call('ZREM', KEYS[1], unpack(batch))
  redis.call('HDEL', KEYS[2], unpack(batch))
end
if ARGV[6] ~= '' then
  redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
  redis.call('HINCRBY', KEYS[3], ARGV[7], ARGV[8])
  if redis.call('TTL', KEYS[3]) < 0 then redis.call('EXPIRE', KEYS[3], ARGV[9]) end
end
return 1
