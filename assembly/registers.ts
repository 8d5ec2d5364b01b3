// Register map of the HPET event timer block (IA-PC HPET specification 1.0a, section 2.3),
// with field names as the specification spells them. Every register is 64 bits wide.

// --- General registers (offsets into the register window) -------------------------------
export const GCAP_ID: u32 = 0x000; //   General Capabilities and ID (read-only)
//                                      0x008: reserved
export const GEN_CONF: u32 = 0x010; //  General Configuration
//                                      0x018: reserved
export const GINTR_STA: u32 = 0x020; // General Interrupt Status (write 1 to clear)
//                                      0x028-0x0ef: reserved
export const MAIN_CNT: u32 = 0x0f0; //  Main Counter Value
//                                      0x0f8: reserved

// --- Timer N registers: TIMER_BASE + TIMER_STRIDE * N + register ------------------------
export const TIMER_BASE: u32 = 0x100;
export const TIMER_STRIDE_SHIFT: u32 = 5; // 0x20 bytes per timer
export const TN_CONF: u32 = 0x00; //        Timer N Configuration and Capability
export const TN_COMPARATOR: u32 = 0x08; //  Timer N Comparator Value
export const TN_FSB_ROUTE: u32 = 0x10; //   Timer N FSB Interrupt Route (low: data, high: address)
//                                          0x18: reserved

// --- GCAP_ID fields ---------------------------------------------------------------------
export const REV_ID: u64 = 1; //                   bits 7:0
export const NUM_TIM_CAP_SHIFT: u64 = 8; //        bits 12:8, number of timers - 1
export const COUNT_SIZE_CAP: u64 = 1 << 13; //     64-bit main counter
export const LEG_RT_CAP: u64 = 1 << 15; //         legacy replacement route capable
export const VENDOR_ID: u64 = 0x8086 << 16; //     bits 31:16
export const COUNTER_CLK_PERIOD_SHIFT: u64 = 32; // bits 63:32, femtoseconds per tick

// --- GEN_CONF bits ----------------------------------------------------------------------
export const ENABLE_CNF: u64 = 1 << 0; // main counter runs, interrupts may be delivered
export const LEG_RT_CNF: u64 = 1 << 1; // legacy replacement route: timer 0 -> IRQ0, timer 1 -> IRQ8
export const GEN_CONF_WRITE_MASK: u64 = ENABLE_CNF | LEG_RT_CNF;

// --- Tn_CONF bits -----------------------------------------------------------------------
export const TN_INT_TYPE_CNF: u64 = 1 << 1; //    1: level-triggered, 0: edge-triggered
export const TN_INT_ENB_CNF: u64 = 1 << 2; //     interrupt enable
export const TN_TYPE_CNF: u64 = 1 << 3; //        1: periodic, 0: one-shot
export const TN_PER_INT_CAP: u64 = 1 << 4; //     periodic capable (read-only)
export const TN_SIZE_CAP: u64 = 1 << 5; //        64-bit comparator (read-only)
export const TN_VAL_SET_CNF: u64 = 1 << 6; //     next comparator write sets the comparator of a periodic timer
export const TN_32MODE_CNF: u64 = 1 << 8; //      force 32-bit mode
export const TN_INT_ROUTE_CNF_SHIFT: u64 = 9; //  bits 13:9, I/O APIC route
export const TN_INT_ROUTE_CNF_MASK: u64 = 0x1f;
export const TN_FSB_EN_CNF: u64 = 1 << 14; //     deliver by FSB (MSI) write instead of a line
export const TN_FSB_INT_DEL_CAP: u64 = 1 << 15; // FSB delivery capable (read-only)
export const TN_INT_ROUTE_CAP_SHIFT: u64 = 32; // bits 63:32, routes the timer may use (read-only)
export const TN_CONF_WRITE_MASK: u64 = 0x7f4e;

// --- Legacy replacement lines -------------------------------------------------------------
export const LEGACY_TIMER0_LINE: u32 = 0; // timer 0 and the PIT's IRQ0
export const LEGACY_TIMER1_LINE: u32 = 8; // timer 1 and the RTC's IRQ8

// --- Limits -----------------------------------------------------------------------------
export const MIN_TIMERS: u32 = 3;
export const MAX_TIMERS: u32 = 32;
export const SMALL_WINDOW_TIMERS: u32 = 24; // up to this many timers fit a 0x400-byte window
export const SMALL_WINDOW: u32 = 0x400;
export const LARGE_WINDOW: u32 = 0x500;
