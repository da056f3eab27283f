--[[
  A task record's header (src/store/task-record.ts writes it): `<version>|<status>|<tenant>|<action>|<reserved micros>`
  then a newline, the private JSON, a newline, the public JSON. JSON text never holds a raw newline.
  recordHeader(value) -> version, status, tenant, action, reserved micros ('' when none); nil when malformed.
]]
local function recordHeader(value)
  return string.match(value, '^(%d+)|(%a+)|([^|\n]*)|([^|\n]*)|(%d*)\n')
end

local function isFinalStatus(status)
  return status == 'succeeded' or status == 'failed' or status == 'canceled'
end
