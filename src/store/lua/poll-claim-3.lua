--[[
  Claims due reads of one provider, as many as its poll budget grants now (see src/store/poll-schedule.ts).

  Input:
    KEYS[1] due (zset: member -> next read, ms)
    KEYS[2] run (zset: member -> lease end, ms)
    KEYS[3] budget hash (bucket number -> reads granted in it)
    ARGV[1] most members wanted
    ARGV[2] budget per window (>= 1)
    ARGV[3] bucket length (ms)
    ARGV[4] lease (ms)
    ARGV[5] buckets counted

  Output: {0, leaseEnd, member...} when members were claimed; else {ms until something may be claimable
          (-1: nothing scheduled), 0}.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local bucketMs = tonumber(ARGV[3])
local leaseEnd = now + tonumber(ARGV[4])
local counted = tonumber(ARGV[5])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, m in ipairs(stale) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], 'NX', now, m)
end
local cur = math.floor(now / bucketMs)
local fields = {}
for i = 0, counted - 1 do fields[i + 1] = tostring(cur - i) end
local counts = redis.call('HMGET', KEYS[3], unpack(fields))
local used = 0
local oldest = nil
for i = counted, 1, -1 do
  local c = tonumber(counts[i]) or 0
  if c > 0 and oldest == nil then oldest = cur - i + 1 end
  used = used + c
end
local room = budget - used
if room <= 0 then
  return {math.max(1, (oldest + counted) * bucketMs - now), 0}
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, math.min(want, room))
if #due == 0 then
  local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if nxt[2] then return {math.max(1, tonumber(nxt[2]) - now), 0} end
  return {-1, 0}
end
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], leaseEnd, m)
end
redis.call('HINCRBY', KEYS[3], tostring(cur), #due)
redis.call('PEXPIRE', KEYS[3], (counted + 1) * bucketMs)
if redis.call('HLEN', KEYS[3]) > 2 * counted then
  for _, f in ipairs(redis.call('HKEYS', KEYS[3])) do
    if tonumber(f) <= cur - counted then redis.call('HDEL', KEYS[3], f) end
  end
end
return {0, leaseEnd, unpack(due)}
