// libFuzzer entry point over TokenWatt's input readers. The first byte picks the reader, the
// rest is its input. Thrown errors are the expected outcome for bad input; a trap (crash,
// overflow, out-of-bounds) or a hang is a bug. Built and run by scripts/fuzz.sh.
import Foundation
@testable import KernelPower
@testable import TokenWatt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: start, count: count)
    let target = all[0]
    let bytes = [UInt8](all.dropFirst())
    let data = Data(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    switch target % 10 {
    case 0: _ = try? JSONParser.parse(data, file: "fuzz.json")
    case 1: _ = try? WorkloadReader.read(data, file: "fuzz.json", dataDirectory: nil)
    case 2: _ = try? CSVTable.parse(text, file: "fuzz.csv")
    case 3:
        if let t = try? CSVTable.parse(text, file: "fuzz.csv") {
            for row in t.rows.prefix(50) { _ = try? PredictRowReader.read(row, table: t) }
        }
    case 4: _ = try? SweepSpec.read(data, file: "fuzz.json")
    case 5:
        _ = try? GridCatalog.load(data, file: "fuzz.json")
        _ = try? FacilityCatalog.load(data, file: "fuzz.json")
        _ = try? GPUCatalog.bundled.adding(data, file: "fuzz.json")
    case 6:
        if var r = try? TraceReader(bytes: bytes, name: "fuzz.log", format: nil) {
            var n = 0
            while n < 10_000, let x = try? r.next() { _ = x; n += 1 }
        }
    case 7:
        _ = try? PowerLog.nvidiaSMI(text, file: "fuzz.csv")
        _ = try? PowerLog.dcgmDmon(text, file: "fuzz.txt", intervalSeconds: 0.1)
    case 8: _ = try? CoefficientFile.read(data, file: "fuzz.json")
    default:
        if let c = try? ModelCatalog.load(data, file: "fuzz.json") { plan(c) }
        _ = try? ModelCatalog.bundled.adding(data, file: "fuzz.json")
        if let file = try? HuggingFaceConfig.catalogFile(data, file: "config.json", id: "fuzz/model", source: nil),
           let c = try? ModelCatalog.load(Data(JSONWriter().write(file).utf8), file: "converted.json") { plan(c) }
    }
    return 0
}

/// Plans a decode step and a prompt of the first models a fuzzed catalog describes, so that the
/// shapes it allows reach the planner's arithmetic (an overflow there traps).
func plan(_ c: ModelCatalog) {
    let e = Estimator(models: c)
    for m in c.models.prefix(2) {
        guard let d = try? e.deployment(DeploymentRequest(model: m.id, gpu: "h100-sxm", gpus: 8)) else { continue }
        _ = try? e.forwardPass(d, phase: .decode(batch: 4, context: 3000))
        _ = try? e.forwardPass(d, phase: .prefill(batch: 2, tokens: 700, pastTokens: 300))
    }
}
