// The scrypt cost of the suite's passwords (config testPasswordCostLog2): 1 MiB and a few milliseconds
// per hash instead of 128 MiB and up to a second on a loaded machine. Tests about passwords set their
// own (test/crypto/password.test.ts pins the production cost).
export const TEST_PASSWORD_COST_LOG2 = 10;
