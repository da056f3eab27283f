/**
 * Setup file of the `unit` project: these tests run without a Redis, so any ioredis connection (a Redis client,
 * a BullMQ queue or worker) throws where it is made instead of waiting on a server that is not there.
 * A test that needs Redis belongs in a `*.redis.test.ts` file.
 */
import { Redis } from 'ioredis';

Redis.prototype.connect = function connect(): never {
  throw new Error('unit tests run without Redis: move this test to a *.redis.test.ts file');
};
