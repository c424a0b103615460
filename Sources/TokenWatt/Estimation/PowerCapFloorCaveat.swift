import Foundation
import KernelPower

/// A power cap accepted only because of an assumed lowest cap.
///
/// A deployment accepts a cap anywhere in the GPU's catalogued range, but for nine parts the
/// floor of that range is an assumption, not a published or captured "Min Power Limit": the
/// MI300X's 300 W is 0.4 × TDP, and the one public report found (ROCm/legacy-rocm-build issue
/// 5231) could not lower its cap from 750 W at all; the B200's 200 W is the H100's. A 2026-12-07
/// probe priced Llama-3.3-70B on 2 × MI300X at a 300 W cap with nothing said. The catalog marks
/// such a floor by its source text: `sources.powerCapMinWatts` starts with "assumed" (the
/// convention every catalogued source follows, and which a test holds for every entry).
enum PowerCapFloorCaveat {
    /// The catalog's source for `gpu`'s lowest cap, where that source says it is assumed.
    static func assumedFloorSource(_ gpu: GPUSpec) -> String? {
        guard let text = gpu.sources["powerCapMinWatts"], text.lowercased().hasPrefix("assumed") else { return nil }
        return text
    }

    /// Whether `gpu`'s lowest accepted cap is assumed rather than published or read from a device.
    static func floorIsAssumed(_ gpu: GPUSpec) -> Bool { assumedFloorSource(gpu) != nil }

    /// The basis the catalog gives, its first clause: "0.4 x TDP (300 W)".
    static func basis(_ source: String) -> String {
        var text = Substring(source)
        if let colon = text.firstIndex(of: ":"), text[..<colon].lowercased() == "assumed" { text = text[text.index(after: colon)...] }
        let clause = text.split(separator: ";", maxSplits: 1).first ?? text
        return clause.trimmingCharacters(in: .whitespaces)
    }

    /// The tool that reports a board's accepted range, by vendor.
    static func rangeTool(_ gpu: GPUSpec) -> String {
        gpu.vendor == "amd" ? "amd-smi or rocm-smi" : "nvidia-smi -q -d POWER"
    }

    /// The note for `d`'s cap, or nil without a cap below the GPU's highest, or where its floor is published.
    static func note(_ d: Deployment) -> String? {
        guard let cap = d.powerCap, cap.watts < d.gpu.powerCapRange.upperBound, let source = assumedFloorSource(d.gpu) else { return nil }
        let floor = formatNumber(d.gpu.powerCapRange.lowerBound), top = formatNumber(d.gpu.powerCapRange.upperBound)
        return "the \(formatNumber(cap.watts)) W power cap is accepted against an assumed floor: \(d.gpu.id)'s lowest cap of \(floor) W "
            + "is not published (catalog: assumed, \(basis(source))), so these boards may refuse \(formatNumber(cap.watts)) W or any cap below "
            + "\(top) W; check the range they report (\(rangeTool(d.gpu))) before relying on the capped figures"
    }

    /// `tune`'s note: the caps it tries start at an assumed floor (nil where the floor is published).
    static func tuningNote(_ gpu: GPUSpec) -> String? {
        guard let source = assumedFloorSource(gpu) else { return nil }
        return "the caps tried start at \(gpu.id)'s lowest cap of \(formatNumber(gpu.powerCapRange.lowerBound)) W, which is assumed, "
            + "not published (catalog: assumed, \(basis(source))): the boards may refuse a cap below \(formatNumber(gpu.powerCapRange.upperBound)) W; "
            + "check the range they report (\(rangeTool(gpu))) before applying one"
    }
}
