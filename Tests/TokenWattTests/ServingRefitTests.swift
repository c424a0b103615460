import KernelPower
import Testing
@testable import TokenWatt

/// The serving fit's leave-one-family-out refits (`Generalization.leaveOneServingFamilyOut`) and
/// the H100 band re-drawn from their forecasts (`ErrorBands.refitBand`).
@Suite struct ServingRefitTests {
    /// Each fold leaves out exactly one family's fit rows and fits on all the others.
    @Test(.enabled(if: sharedData != nil)) func foldsPartitionTheFitRowsByFamily() throws {
        let gpu = BuiltinCalibration.servingFitGPU
        let rows = ServingCalibration.rows(try MLEnergyData.load(dataDirectory: sharedData!), gpu: gpu, estimator: Estimator())
        let folds = Generalization.servingFolds(rows, gpu: gpu)
        #expect(folds.count >= 5 && Set(folds.map(\.family)).count == folds.count)
        #expect(folds.reduce(0) { $0 + $1.heldOutRuns } == rows.count)
        for f in folds {
            #expect(f.training.count + f.heldOutRuns == rows.count)
            #expect(f.training.allSatisfy { $0.group != "\(gpu)/\(f.family)" })
            #expect(!f.heldOut.isEmpty && f.training.allSatisfy { !f.heldOut.contains($0.label) })
        }
    }

    static func record(_ label: String, _ dataset: String, measured: Double, predicted: Double) -> ValidationRecord {
        ValidationRecord(dataset: dataset, gpu: "g", group: "f", metric: ErrorBands.metric, label: label, measured: measured, predicted: predicted)
    }

    /// A fit run's ratio is replaced by its forecast; the others keep theirs, and the band keeps
    /// its quantiles and run count.
    @Test func forecastsReplaceTheFitRunsRatios() {
        let records = (0..<20).map { Self.record("r\($0)", $0 < 10 ? "fit" : "other", measured: 1, predicted: 1) }
        let forecasts = (0..<10).map { Self.record("r\($0)", "fit", measured: 1, predicted: 0.5) }
        let bundled = ErrorBands.band("g", records, tail: 0.05)
        let r = ErrorBands.refitBand(bundled, records: records, forecasts: forecasts)
        #expect(r.refit.runs == 20 && r.refit.tail == 0.05 && r.forecastRuns == 10)
        #expect(r.forecastMedian == 2 && r.inSampleMedian == 1 && r.forecastsInside == 0)
        #expect(r.refit.ratioHigh == 2 && r.refit.ratioLow == 1)
    }
}
