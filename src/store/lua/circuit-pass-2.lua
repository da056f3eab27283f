--[[
  May a submit go to this provider now? Moves an open circuit whose time is up to half-open and hands out its single
  probe.

  Input:
    KEYS[1] circuit state (hash: state, until, reason, changed)
    KEYS[2] probe lock
    ARGV[1] now (ms epoch)
    ARGV[2] probe timeout (ms): a probe that never reports back frees the lock after this
    ARGV[3] probe token

  Output: 'closed' | 'probe' | 'open'
]]
local st = redis.call('HGET', KEYS[1], 'state')
if not st or st == 'closed' then return 'closed' end
local now = tonumber(ARGV[1])
if st == 'open' then
  if now < tonumber(redis.call('HGET', KEYS[1], 'until') or '0') then return 'open' end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'changed', now)
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', tonumber(ARGV[2])) then return 'probe' end
return 'open'
