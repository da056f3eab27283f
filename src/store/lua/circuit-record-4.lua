--[[
  Feeds one submit outcome to a provider's circuit: a sliding window of per-second counters (all submits and failed
  ones, hashes of O(window) fields). `quota_exhausted`/`auth_invalid` open it at once for the long period, a 429 with
  Retry-After until then; past `minRequests` at or above the failure ratio it opens; half-open, the probe's outcome
  closes or reopens it. A success only counts (it cannot open the circuit).

  Input:
    KEYS[1] circuit state (hash)
    KEYS[2] probe lock
    KEYS[3] window: all submits (hash: second -> count)
    KEYS[4] window: failed submits (hash: second -> count)
    ARGV[1] now (ms epoch)
    ARGV[2] '1' healthy answer, '0' failure
    ARGV[3] outcome kind ('ok' or the error class)
    ARGV[4] window (ms)
    ARGV[5] minRequests
    ARGV[6] failure ratio
    ARGV[7] open (ms)
    ARGV[8] long open (ms)
    ARGV[9] Retry-After (ms; 0 = none)

  Output: the state after the outcome ('closed' | 'open' | 'half_open'), prefixed with '!' when this call changed it.
]]
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[4])
local st = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function open(ms, reason)
  redis.call('HSET', KEYS[1], 'state', 'open', 'until', now + ms, 'reason', reason, 'changed', now)
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  return '!open'
end
if ARGV[3] == 'quota_exhausted' or ARGV[3] == 'auth_invalid' then return open(tonumber(ARGV[8]), ARGV[3]) end
if ARGV[3] == 'rate_limited' and tonumber(ARGV[9]) > 0 then return open(tonumber(ARGV[9]), 'rate_limited') end
if st == 'half_open' then
  if ARGV[2] == '1' then
    redis.call('HSET', KEYS[1], 'state', 'closed', 'reason', '', 'changed', now)
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
    return '!closed'
  end
  return open(tonumber(ARGV[7]), ARGV[3])
end
if st == 'open' then return 'open' end
local from = math.floor((now - windowMs) / 1000)
local function count(key)
  local total = 0
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    if tonumber(flat[i]) <= from then redis.call('HDEL', key, flat[i]) else total = total + tonumber(flat[i + 1]) end
  end
  return total
end
local sec = math.floor(now / 1000)
redis.call('HINCRBY', KEYS[3], sec, 1)
redis.call('PEXPIRE', KEYS[3], windowMs + 2000)
if ARGV[2] == '1' then
  if redis.call('HLEN', KEYS[3]) > windowMs / 500 + 2 then count(KEYS[3]) end
  return 'closed'
end
redis.call('HINCRBY', KEYS[4], sec, 1)
redis.call('PEXPIRE', KEYS[4], windowMs + 2000)
local total = count(KEYS[3])
local fails = count(KEYS[4])
if total >= tonumber(ARGV[5]) and fails / total >= tonumber(ARGV[6]) then return open(tonumber(ARGV[7]), ARGV[3]) end
return 'closed'
