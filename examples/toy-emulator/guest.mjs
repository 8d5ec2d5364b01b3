// The guest side of the toy emulator: what an OS's HPET driver does, through 32-bit MMIO
// accesses on the bus. It knows the HPET's registers (it is the guest); the emulator does not.

const HPET_BASE = 0xfed00000;
const GCAP_ID = 0x000; //    capabilities and ID (low half), clock period in fs (high half)
const GEN_CONF = 0x010; //   general configuration
const GINTR_STA = 0x020; //  general interrupt status
const MAIN_CNT = 0x0f0; //   main counter
const tnConf = (n) => 0x100 + 0x20 * n; //        timer N configuration
const tnComparator = (n) => 0x108 + 0x20 * n; //  timer N comparator

const ENABLE_CNF = 1 << 0;
const TN_INT_TYPE_CNF = 1 << 1; // level-triggered
const TN_INT_ENB_CNF = 1 << 2;
const TN_TYPE_CNF = 1 << 3; //     periodic
const TN_VAL_SET_CNF = 1 << 6;
const TN_32MODE_CNF = 1 << 8; //   32-bit comparator, as Linux uses it: one write sets it
const TN_INT_ROUTE_CNF = (line) => line << 9;

export const TICK_LINE = 2;
export const ALARM_LINE = 5;

/** Boot: find the clock, start a 1 kHz periodic tick on line 2 and a 3.5 ms level-triggered alarm on line 5. */
export function boot(bus, log) {
  const id = bus.read32(HPET_BASE + GCAP_ID);
  const periodFs = bus.read32(HPET_BASE + GCAP_ID + 4);
  const hz = 1e15 / periodFs;
  log(`guest: HPET revision ${id & 0xff}, ${((id >> 8) & 0x1f) + 1} timers, ${hz} Hz`);
  const ticksPerMs = hz / 1000;

  const common = TN_INT_ENB_CNF | TN_32MODE_CNF;
  bus.write32(HPET_BASE + tnConf(0), common | TN_TYPE_CNF | TN_VAL_SET_CNF | TN_INT_ROUTE_CNF(TICK_LINE));
  bus.write32(HPET_BASE + tnComparator(0), ticksPerMs); //  first tick
  bus.write32(HPET_BASE + tnComparator(0), ticksPerMs); //  then the period
  bus.write32(HPET_BASE + tnConf(1), common | TN_INT_TYPE_CNF | TN_INT_ROUTE_CNF(ALARM_LINE));
  bus.write32(HPET_BASE + tnComparator(1), 3.5 * ticksPerMs);
  bus.write32(HPET_BASE + GEN_CONF, ENABLE_CNF);
}

/** The interrupt handler. A level-triggered interrupt stays asserted until the guest clears its status bit. */
export function interrupt(line, bus, log) {
  const counter = bus.read32(HPET_BASE + MAIN_CNT);
  if (line === ALARM_LINE) {
    const status = bus.read32(HPET_BASE + GINTR_STA);
    bus.write32(HPET_BASE + GINTR_STA, status); // writing 1s clears them
    log(`guest: alarm at counter ${counter}, status 0x${status.toString(16)} acknowledged`);
  } else {
    log(`guest: tick at counter ${counter}`);
  }
}
