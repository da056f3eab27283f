--[[
  Slots and the waiting room (src/store/room-store.ts explains the design).

  Keys are built here from roots that src/store/keys.ts passes in ARGV, in the formats keys.ts gives them:
    slotsRoot .. 'p:' .. provider            a provider's slot holders (zset: task -> lease end)
    slotsRoot .. 't:' .. tenant              a tenant's slot holders (maxConcurrentTasks)
    roomRoot .. 'p:' .. provider .. ':rr'    tenants with tasks waiting for the provider (list, in round-robin order)
    roomRoot .. 'p:' .. provider .. ':q:' .. tenant   one tenant's tasks waiting for the provider (zset: task -> arrival)
    roomRoot .. 'w:' .. task                 a waiter (hash: tenant, cap, lease, providers, job, at)
    roomRoot .. 'h:' .. task                 the provider that handed the task its slot (until its job reads it)
    roomRoot .. 'handed'                     tasks handed a slot whose job has not run yet (zset: task -> time)
    roomRoot .. 'wakes'                      `<task>|<job id>` of each hand-off, for the workers to promote
    circuitRoot .. provider [.. ':probe']    the provider's circuit (read only)
]]
local function roomKeys(slotsRoot, roomRoot, circuitRoot)
  return {
    providerSlots = function(p) return slotsRoot .. 'p:' .. p end,
    tenantSlots = function(t) return slotsRoot .. 't:' .. t end,
    tenants = function(p) return roomRoot .. 'p:' .. p .. ':rr' end,
    queue = function(p, t) return roomRoot .. 'p:' .. p .. ':q:' .. t end,
    waiter = function(id) return roomRoot .. 'w:' .. id end,
    handoff = function(id) return roomRoot .. 'h:' .. id end,
    handed = roomRoot .. 'handed',
    wakes = roomRoot .. 'wakes',
    circuit = function(p) return circuitRoot .. p end,
    probe = function(p) return circuitRoot .. p .. ':probe' end,
  }
end

local function split(csv)
  local out = {}
  for v in string.gmatch(csv, '[^,]+') do out[#out + 1] = v end
  return out
end

--- How many waiters may be handed a slot of provider p now: as many as free while its circuit is closed, one while
--- it could let a probe through (open past its time, no probe out), none while it is open.
local function admissible(k, p, now, free)
  local c = redis.call('HMGET', k.circuit(p), 'state', 'until')
  if not c[1] or c[1] == 'closed' then return free end
  if c[1] == 'open' and now < tonumber(c[2] or '0') then return 0 end
  if redis.call('EXISTS', k.probe(p)) == 1 then return 0 end
  return math.min(free, 1)
end

--- Takes a waiter out of every line it stands in, and forgets it.
local function leaveRooms(k, id, tenant, providers)
  for _, p in ipairs(split(providers)) do
    local q = k.queue(p, tenant)
    redis.call('ZREM', q, id)
    if redis.call('EXISTS', q) == 0 then redis.call('LREM', k.tenants(p), 0, tenant) end
  end
  redis.call('DEL', k.waiter(id))
end

--- Hands the free slots of provider p (max slots) to its waiters: round-robin across tenants (a tenant at its cap is
--- passed over), first come first served within one. Each hand-off takes the slots (provider, and tenant when capped)
--- for the waiter, takes it out of every line, and records the wake-up. Returns the number handed.
local function dispatch(k, p, max, now, handoffTtl)
  local holders = k.providerSlots(p)
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  local rr = k.tenants(p)
  local n = redis.call('LLEN', rr)
  if n == 0 then return 0 end
  local free = max - redis.call('ZCARD', holders)
  if free <= 0 then return 0 end
  free = admissible(k, p, now, free)
  local handed, misses = 0, 0
  while free > 0 and n > 0 and misses < n do
    local tenant = redis.call('LMOVE', rr, rr, 'LEFT', 'RIGHT')
    local q = k.queue(p, tenant)
    local head = redis.call('ZRANGE', q, 0, 0)[1]
    if not head then
      redis.call('LREM', rr, 0, tenant)
      n = n - 1
    else
      local w = redis.call('HMGET', k.waiter(head), 'cap', 'lease', 'providers', 'job')
      if not w[3] then
        redis.call('ZREM', q, head) -- its task left without leaving the line (it ended): drop the entry
      else
        local ts = k.tenantSlots(tenant)
        local capped = false
        if w[1] ~= '' then
          redis.call('ZREMRANGEBYSCORE', ts, '-inf', now)
          capped = redis.call('ZCARD', ts) >= tonumber(w[1])
        end
        if capped then
          misses = misses + 1
        else
          redis.call('ZADD', holders, w[2], head)
          if w[1] ~= '' then redis.call('ZADD', ts, w[2], head) end
          leaveRooms(k, head, tenant, w[3])
          redis.call('SET', k.handoff(head), p, 'EX', handoffTtl)
          redis.call('ZADD', k.handed, now, head)
          redis.call('LPUSH', k.wakes, head .. '|' .. w[4])
          free = free - 1
          handed = handed + 1
          misses = 0
          n = redis.call('LLEN', rr)
        end
      end
    end
  end
  return handed
end

--- Frees whatever slots the task holds (every provider listed, its tenant) and its place in any line.
local function releaseAll(k, id, tenant, providers)
  for _, p in ipairs(providers) do redis.call('ZREM', k.providerSlots(p), id) end
  redis.call('ZREM', k.tenantSlots(tenant), id)
  local w = redis.call('HMGET', k.waiter(id), 'tenant', 'providers')
  if w[1] then leaveRooms(k, id, w[1], w[2]) end
  if redis.call('ZREM', k.handed, id) == 1 then redis.call('DEL', k.handoff(id)) end
end
