import KernelPower
import Testing
@testable import TokenWatt

/// What the receipt says of the deployment's layout and of a one-token answer (found by a probe of `estimate`).
@Suite struct ReceiptLayoutTests {
    /// Over several data-parallel engines the receipt says how the batch is split: 4 GPUs at
    /// tp 2 run two engines of 16, and a query costs more than on one engine of 32.
    @Test func theReceiptNamesTheEnginesAndTheirShare() throws {
        let e = Estimator()
        let r = ServingRequest(batch: 32, inputTokens: 1000, outputTokens: 500)
        let four = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 4, tensorParallel: 2))
        let q = try QueryEstimate(estimator: e, deployment: four, request: r, settings: try LedgerSettings())
        let line = try #require(q.assumptions.first { $0.contains("data-parallel engines") })
        #expect(line.hasPrefix("2 data-parallel engines") && line.contains("16 per engine"), "\(line)")
        #expect(q.ledger.items.first { $0.item == "decode-gpu" }?.basis.contains("16 sequences per engine") == true)
        let two = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 2, tensorParallel: 2))
        let one = try QueryEstimate(estimator: e, deployment: two, request: r, settings: try LedgerSettings())
        #expect(!one.assumptions.contains { $0.contains("data-parallel engines") })
    }

    /// One output token comes from the step that ends the prompt: no interval, so no ITL.
    @Test func oneOutputTokenHasNoInterTokenLatency() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        for framework in [Framework.vllm, .hf] {
            let dd = framework == .vllm ? d : try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", framework: .hf))
            let one = try QueryEstimate(estimator: e, deployment: dd, request: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 1), settings: try LedgerSettings())
            #expect(one.receipt().contains("ITL – (one output token"))
            #expect(one.interTokenMilliseconds(one.serving.interTokenLatency) == nil)
            #expect(one.csvRow()[QueryEstimate.csvHeader.firstIndex(of: "itl_ms")!] == "")
            let two = try QueryEstimate(estimator: e, deployment: dd, request: ServingRequest(batch: 16, inputTokens: 500, outputTokens: 2), settings: try LedgerSettings())
            #expect(!two.receipt().contains("ITL –") && two.interTokenMilliseconds(two.serving.interTokenLatency)! > 0)
        }
    }

    /// The CSV row carries the layout and levers after the columns it had (so no script reading
    /// them by place moves), one value per header column.
    @Test func theCSVRowCarriesTheDeployment() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "Qwen/Qwen3-30B-A3B", gpu: "h100-sxm", gpus: 4, tensorParallel: 2, expertParallel: 2,
                                                   smClockMHz: 1500, powerCapWatts: 600))
        let q = try QueryEstimate(estimator: e, deployment: d, request: ServingRequest(batch: 32, inputTokens: 1000, outputTokens: 500), settings: try LedgerSettings())
        let header = QueryEstimate.csvHeader, row = q.csvRow()
        #expect(header.count == row.count)
        #expect(Array(header.prefix(25)).last == "note")
        let cell = { (c: String) in row[header.firstIndex(of: c)!] }
        #expect(cell("tp") == "2" && cell("ep") == "2" && cell("pp") == "1" && cell("precision") == "bf16" && cell("kv_precision") == "bf16")
        #expect(cell("framework") == "vllm" && cell("requested_batch") == "32" && cell("power_cap_w") == "600" && cell("sm_clock_mhz") == "1500")
    }
}

/// The layout columns both estimate CSVs write (`LayoutColumns`): without a cap or a locked
/// clock, the cap column holds the TDP in force and the clock column is empty (boost).
@Suite struct LayoutColumnsTests {
    @Test func aPlainDeploymentShowsItsTDPAndNoLockedClock() throws {
        let e = Estimator()
        let plain = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm"))
        #expect(LayoutColumns.header.count == LayoutColumns.cells(plain, requestedBatch: 8).count)
        #expect(LayoutColumns.cells(plain, requestedBatch: 8) == ["1", "1", "1", "bf16", "bf16", "vllm", "8", "700", ""])
    }
}
