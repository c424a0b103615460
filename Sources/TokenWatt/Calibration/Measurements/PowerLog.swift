import Foundation
import KernelPower

/// One power reading of one GPU.
public struct PowerSample: Sendable, Equatable {
    /// Seconds since the Unix epoch (nvidia-smi), or since the log's start (dcgmi dmon).
    public var time: Double
    public var gpu: Int
    public var watts: Double
    public var smClockMHz: Double?
    /// GPU utilization in percent (kernel-occupancy time fraction), if logged.
    public var utilization: Double?
}

/// Readers for GPU power logs.
public enum PowerLog {
    /// `nvidia-smi --query-gpu=timestamp,index,power.draw,clocks.sm,clocks.mem,utilization.gpu
    /// --format=csv -lms 100`, with or without units in the values (`--format=csv,nounits`).
    /// Columns are found by name; `timestamp`, `index` and `power.draw` are required.
    public static func nvidiaSMI(_ text: String, file: String) throws -> [PowerSample] {
        let table = try CSVTable.parse(text, file: file)
        func col(_ prefix: String) -> Int? { table.header.firstIndex { $0.lowercased().hasPrefix(prefix) } }
        guard let ts = col("timestamp"), let idx = col("index"), let pw = col("power.draw") else {
            throw InputError.missingField(file: file, field: "timestamp, index, power.draw",
                                          expected: "an nvidia-smi --query-gpu CSV with timestamp, index and power.draw columns")
        }
        let clock = col("clocks.sm") ?? col("clocks.current.sm"), util = col("utilization.gpu")
        return try table.rows.compactMap { row in
            let power = row.fields[pw].trimmingCharacters(in: .whitespaces)
            // nvidia-smi prints "[N/A]" or "[Not Supported]" for readings it does not have.
            if power.hasPrefix("[") { return nil }
            guard let watts = number(power, unit: "W"), watts >= 0 && watts < 5000 else {
                throw InputError.invalidValue(file: file, field: "line \(row.line) power.draw", value: power, expected: "watts, e.g. 250.12 W")
            }
            guard let t = timestamp(row.fields[ts]) else {
                throw InputError.invalidValue(file: file, field: "line \(row.line) timestamp", value: row.fields[ts],
                                              expected: "YYYY/MM/DD HH:MM:SS.mmm")
            }
            guard let g = Int(row.fields[idx].trimmingCharacters(in: .whitespaces)) else {
                throw InputError.invalidValue(file: file, field: "line \(row.line) index", value: row.fields[idx], expected: "a GPU index")
            }
            return PowerSample(time: t, gpu: g, watts: watts, smClockMHz: clock.flatMap { number(row.fields[$0], unit: "MHz") },
                               utilization: util.flatMap { number(row.fields[$0], unit: "%") })
        }
    }

    /// `dcgmi dmon -e 155,150,100,203 -d INTERVAL` text: a header line naming the fields
    /// (`#Entity POWER TMPTR SMCLK GPUTL`), an `ID` units line, then `GPU n values...` lines, one
    /// block per interval. dmon prints no timestamps, so sample k of a GPU is at k × interval.
    public static func dcgmDmon(_ text: String, file: String, intervalSeconds: Double) throws -> [PowerSample] {
        var fields: [String] = []
        var counts: [Int: Int] = [:]
        var out: [PowerSample] = []
        for (n, raw) in text.components(separatedBy: .newlines).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { fields = line.dropFirst().split(separator: " ").map { String($0).uppercased() }; continue }
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count >= 2, parts[0] == "GPU", let g = Int(parts[1]) else { continue }
            guard let p = fields.firstIndex(of: "POWER") else {
                throw InputError.syntax(file: file, line: n + 1, message: "no '#Entity ... POWER' header before the samples")
            }
            // Header names the entity column as one field; values carry "GPU" and the id.
            func value(_ name: String) -> Double? {
                guard let i = fields.firstIndex(of: name), i + 1 < parts.count else { return nil }
                return Double(decimal: parts[i + 1])
            }
            guard p + 1 < parts.count, let watts = Double(decimal: parts[p + 1]), watts >= 0 else {
                throw InputError.invalidValue(file: file, field: "line \(n + 1) POWER", value: parts.count > p + 1 ? parts[p + 1] : "",
                                              expected: "watts")
            }
            let k = counts[g, default: 0]
            counts[g] = k + 1
            out.append(PowerSample(time: Double(k) * intervalSeconds, gpu: g, watts: watts, smClockMHz: value("SMCLK"),
                                   utilization: value("GPUTL")))
        }
        guard !out.isEmpty else { throw InputError.syntax(file: file, line: 1, message: "no 'GPU n ...' sample lines found") }
        return out
    }

    /// A number with an optional unit suffix ("250.12 W", "1410 MHz", "98 %", "250.12").
    static func number(_ s: String, unit: String) -> Double? {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(unit) { t = String(t.dropLast(unit.count)).trimmingCharacters(in: .whitespaces) }
        guard let x = Double(decimal: t) else { return nil }
        return x
    }

    /// nvidia-smi's "YYYY/MM/DD HH:MM:SS.mmm" (local time; only differences matter), or seconds.
    public static func timestamp(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if let x = Double(decimal: t) { return x }
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "/" || $0 == ":" || $0 == "-" || $0 == "T" })
        guard parts.count >= 6, let y = Int(parts[0]), let mo = Int(parts[1]), let d = Int(parts[2]),
              let h = Int(parts[3]), let mi = Int(parts[4]), let sec = Double(decimal: parts[5]) else { return nil }
        var c = DateComponents()
        c.year = y; c.month = mo; c.day = d; c.hour = h; c.minute = mi; c.second = 0
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0) ?? cal.timeZone
        guard let date = cal.date(from: c) else { return nil }
        return date.timeIntervalSince1970 + sec
    }
}
