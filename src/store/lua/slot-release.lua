--[[
  Frees a member's slots and places in line everywhere (idempotent).

  Input (the key count varies): KEYS holders, waiters, heartbeats of each scope; ARGV[1] member.
  Output: 0
]]
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
