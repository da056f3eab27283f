--[[
  The safety sweep: hands every provider's free slots to its waiters (slots freed by lapsed leases, circuits that may
  take traffic again, a hand-off lost with a crashed process).

  Input (keys are built from the roots, see includes/room.lua):
    ARGV[1] slots root     ARGV[2] room root     ARGV[3] circuit root
    ARGV[4] now (ms epoch) ARGV[5] hand-off marker ttl (s)
    ARGV[6] every configured provider (comma-separated)     ARGV[7] their slot maxima, in the same order

  Output: the number of waiters handed a slot.
]]
--- @include "room"
local k = roomKeys(ARGV[1], ARGV[2], ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local providers, maxes = split(ARGV[6]), split(ARGV[7])
local handed = 0
for i, p in ipairs(providers) do handed = handed + dispatch(k, p, tonumber(maxes[i]), now, ttl) end
return handed
