--[[
  A tenant's request limit: a sliding window of per-second buckets in one small hash, on Redis's own clock, so the
  limit holds across any number of API processes (see src/services/rate-limit.ts for what it guarantees).

  Buckets wholly out of the window (older than now - window, in seconds) are subtracted from `n` and deleted, oldest
  first, and `o` moves to the next bucket present. Every bucket is at most `window` s newer than `o`, so when `o` is
  more than twice the window old nothing is live and the key simply starts over; otherwise the walk is at most
  2 x window + 1 steps, and each second is walked past once in the key's life (amortised O(1) per request).
  A bucket `s` is counted until Redis's clock reaches second `s + window + 1`: that is when it frees its requests.

  Input:
    KEYS[1] the tenant's window (hash: Unix second -> requests admitted in it, plus `n` the sum of the buckets and
            `o` the oldest bucket present)
    ARGV[1] limit
    ARGV[2] window (s)
    ARGV[3] want: admissions asked for (1, or more for a lease)

  Output: {granted, remaining, ms, secondLeftMs, second}. granted >= 1: admitted (min(want, max(1, floor(room / 16))), all
          counted now), ms until the oldest counted bucket leaves the window; granted 0: refused, ms until enough of the
          oldest buckets have left for one more request. secondLeftMs: what is left of Redis's current second, the
          second every grant is counted in. second: that second (Unix), where unused admissions are given back
          (rate-return-1.lua).
]]
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local want = tonumber(ARGV[3]) or 1
local t = redis.call('TIME')
local sec = tonumber(t[1])
local now = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local secondLeft = (sec + 1) * 1000 - now
local first = sec - span
local state = redis.call('HMGET', key, 'n', 'o')
local n = tonumber(state[1]) or 0
local o = tonumber(state[2]) or sec
local changed = false
if n <= 0 or o + span < first then
  if state[1] then redis.call('DEL', key) end
  n = 0
  o = sec
elseif o < first then
  local s = o
  while s <= sec do
    local c = tonumber(redis.call('HGET', key, s))
    if c then
      if s >= first then break end
      n = n - c
      redis.call('HDEL', key, s)
    end
    s = s + 1
  end
  o = s
  changed = true
end
if n < limit then
  local g = math.min(want, math.max(1, math.floor((limit - n) / 16)))
  if n == 0 or sec < o then
    o = sec
    changed = true
  end
  if changed then redis.call('HSET', key, 'n', n + g, 'o', o) else redis.call('HINCRBY', key, 'n', g) end
  if redis.call('HINCRBY', key, sec, g) == g then redis.call('PEXPIREAT', key, (sec + span + 2) * 1000) end
  return {g, limit - n - g, (o + span + 1) * 1000 - now, secondLeft, sec}
end
if changed then redis.call('HSET', key, 'n', n, 'o', o) end
local need = n - limit + 1
local free = o
for s = o, o + 2 * span do
  need = need - (tonumber(redis.call('HGET', key, s)) or 0)
  free = s
  if need <= 0 then break end
end
return {0, 0, (free + span + 1) * 1000 - now, secondLeft, sec}
