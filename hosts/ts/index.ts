// hpet-wasm: an HPET device model for emulators, as one standalone WebAssembly module.

export { Hpet } from "./hpet.ts";
export type { GuestErrors, HpetCallbacks, HpetConfig, HpetOptions, LegacyInput, Level } from "./hpet.ts";
export { HpetError } from "./errors.ts";
export type { HpetErrorCode } from "./errors.ts";
export { compileModule, defaultModuleUrl } from "./module.ts";
export type { ModuleSource } from "./module.ts";
export type { WasmBytes, WasmModule } from "./wasm.ts";
export type { TimeKind, TimeOf } from "./time.ts";
export { parseTrace, TraceError, TraceParser, traceOps } from "./trace.ts";
export type { Trace, TraceConfig, TraceOp } from "./trace.ts";
export { replay, Replayer, replayStream } from "./replay.ts";
export type { LineSink } from "./replay.ts";
export { ACPI_HPET_TABLE_LENGTH, buildAcpiHpetTable, DEFAULT_HPET_BASE } from "./acpi.ts";
export type { AcpiHpetOptions, HpetRegisters, PageProtection } from "./acpi.ts";
export { HpetMmio } from "./mmio.ts";
export type { MmioDevice, MmioOptions } from "./mmio.ts";
export { RealtimeDriver } from "./realtime.ts";
export type { DrivenDevice, HostTimers, NsClock, RealtimeOptions } from "./realtime.ts";
export { HpetRecorder } from "./recorder.ts";
export type { RecorderOptions } from "./recorder.ts";
export { type AccessMarker, type OutputSink, SafePointDelivery } from "./safe-point.ts";
