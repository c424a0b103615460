import KernelPower

/// A row's GPUs and settings in words, each GPU beside its own setting.
extension Capacity {
    /// The deployments a candidate's row stands for: those serving a class with traffic, as
    /// `fleet`'s hardware list counts them (all of them where none has traffic). A share-0 class
    /// on a B200 deployment had put "b200+h100-sxm  TDP (700 W)+TDP (1000 W)" on a row of H100s.
    static func served(_ k: KernelScenario) -> [NamedDeployment] {
        let used = k.deployments.filter(k.servesTraffic)
        return used.isEmpty ? k.deployments : used
    }

    /// The GPUs a candidate runs on (the catalog's ids, sorted, "+" between them) and each one's
    /// cap and clock in the same order ("a100-sxm-80gb+h200", "TDP (400 W)+600 W"): the cap is
    /// the `--caps` candidate where it binds (`CapAtTDP`), else the deployment's own, "TDP (400 W)"
    /// where none binds; a locked clock follows it ("TDP, 1350 MHz"). One setting where all
    /// are alike; a GPU whose deployments differ gives its settings with "/" between them.
    /// `powerCapWatts` and `smClockMHz` are those every deployment shares (nil where they differ).
    /// The GPUs had been sorted while the settings kept the file's order, so an A100 + H200
    /// router whose H200 runs at 600 W read "a100-sxm-80gb+h200  600 W+TDP (400 W)".
    static func hardware(_ k: KernelScenario, gpu: String?, cap: Cap, estimator: Estimator)
        -> (gpu: String, setting: String, powerCapWatts: Double?, smClockMHz: Double?) {
        let runs = served(k).map { d -> (gpu: String, cap: Double?, clock: Double?, tdp: Double?) in
            let spec = try? estimator.gpus.gpu(gpu ?? d.request.gpu)
            let watts = cap.cappedWatts.map { CapAtTDP.effective($0, on: spec) } ?? d.request.powerCapWatts
            return (spec?.id ?? gpu ?? d.request.gpu, watts, d.request.smClockMHz, spec?.tdp.watts)
        }
        func words(_ r: (gpu: String, cap: Double?, clock: Double?, tdp: Double?)) -> String {
            (r.cap.map { "\(formatNumber($0)) W" } ?? "TDP" + (r.tdp.map { " (\(formatNumber($0)) W)" } ?? ""))
                + (r.clock.map { ", \(formatNumber($0)) MHz" } ?? "")
        }
        let gpus = runs.map(\.gpu).uniqued().sorted()
        let settings = gpus.map { g in runs.filter { $0.gpu == g }.map(words).uniqued().joined(separator: "/") }
        func same(_ xs: [Double?]) -> Double? { Set(xs).count == 1 ? xs.first ?? nil : nil }
        return (gpus.joined(separator: "+"), settings.uniqued().count == 1 ? settings[0] : settings.joined(separator: "+"),
                same(runs.map(\.cap)), same(runs.map(\.clock)))
    }
}
