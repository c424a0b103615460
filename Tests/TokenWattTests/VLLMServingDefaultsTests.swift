import KernelPower
import Testing
@testable import TokenWatt

/// A vLLM engineer's probe of the serving model (2026-12-07): the step budget every estimate took
/// (8192) is vLLM's default on an H100 but not on an A100 or L40S; a batch split over replicas was
/// rounded up past the maximum asked for; a pipeline's send was listed as an all-to-all; the KV
/// cache had no figure to hold against vLLM's start-up log.
@Suite struct VLLMServingDefaultsTests {
    let estimator = Estimator()

    /// vLLM's rule (vllm/engine/arg_utils.py, `EngineArgs._set_default_args`): the larger server
    /// defaults on a GPU of at least 70 GiB whose name does not contain "a100", the smaller elsewhere.
    @Test(arguments: GPUCatalog.bundled.gpus.map(\.id))
    func everyCatalogGPUTakesVLLMsServerDefaults(id: String) throws {
        let gpu = try GPUCatalog.bundled.gpu(id)
        let large = gpu.memoryCapacity.gibibytes >= 70 && !id.contains("a100")
        let defaults = ServingRequest.vllmServerDefaults(on: gpu)
        #expect(defaults == (large ? .largeGPU : .otherGPU), "\(id)")
        #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .vllm) == (large ? 8192 : 2048))
        #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .vllmEager) == defaults.tokenBudget)
        #expect(ServingRequest.defaultTokenBudget(on: gpu, framework: .trtllm) == 8192)
    }

    /// The cases vLLM's own test names: H100-class and MI300X large; an A100-80GB excluded by name
    /// (PR #17885) though it has 80 GiB; L40S small by memory.
    @Test func theA100IsExcludedByNameAndTheL40SByMemory() throws {
        let figures = try ["h100-sxm", "h200", "b200", "mi300x", "a100-sxm-80gb", "l40s", "l4"].map {
            ServingRequest.vllmServerDefaults(on: try GPUCatalog.bundled.gpu($0))
        }
        #expect(figures.map(\.tokenBudget) == [8192, 8192, 8192, 8192, 2048, 2048, 2048])
        #expect(figures.map(\.maxSequences) == [1024, 1024, 1024, 1024, 256, 256, 256])
    }

    // MARK: - Replica split

    /// A batch is a maximum: ⌊batch / replicas⌋ each, never more in all than asked for (8 over 3
    /// had been priced as 9, a sweep's maxBatch 10 over 4 as 12).
    @Test(arguments: [(8, 3, 2), (10, 4, 2), (300, 8, 37), (96, 8, 12), (3, 8, 1), (1, 1, 1)])
    func theSplitRoundsDown(batch: Int, ranks: Int, each: Int) {
        #expect(ServingEstimator.perRank(batch, ranks: ranks) == each)
    }

    @Test func noSplitExceedsTheBatchItSplits() {
        for ranks in 1...16 {
            for batch in ranks...300 {
                #expect(ServingEstimator.perRank(batch, ranks: ranks) * ranks <= batch)
                #expect(ServingEstimator.perRank(batch, ranks: ranks) * ranks > batch - ranks)
            }
        }
    }

    @Test func threeReplicasOfABatchOfEightRunSix() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 3, tensorParallel: 1))
        let s = try estimator.serve(d, ServingRequest(batch: 8, inputTokens: 1000, outputTokens: 100))
        #expect(s.effectiveBatch == 6)
        #expect(s.notes.contains("batch 8 does not split evenly over 3 data-parallel replicas: each is priced with 2 sequences, 6 in all (rounded down: the batch is a maximum)"),
                "\(s.notes)")
    }

    // MARK: - Pipeline send

    /// The stage send is a point-to-point send of the activations, with the same bytes on the
    /// wire as the two-party all-to-all of twice the message it had been.
    @Test func aPipelineStageSendIsAPointToPointSend() throws {
        let d = try estimator.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 2, tensorParallel: 1, pipelineParallel: 2))
        let k = d.stageSend(tokens: 64)
        guard case let .collective(c) = k.shape else { Issue.record("pp_send is not a collective"); return }
        let message = 64.0 * Double(d.model.hiddenSize) * d.precision.activationBytes
        #expect(c.kind == .send && c.bytes == message)
        #expect(c.bytesOnWire == CollectiveShape(kind: .allToAll, bytes: 2 * message, participants: 2).bytesOnWire)
        #expect(k.shape.summary == "send 524 kB point to point", "\(k.shape.summary)")
        let across = CollectiveShape(kind: .send, bytes: message, participants: 2, nodes: 2, scaleOutBytesPerSecond: 50e9)
        #expect(across.hierarchicalBytes.intra == 0 && across.hierarchicalBytes.inter == message)
    }

    @Test func oneKernelDrawsAndSixDraw() {
        #expect(KernelListing.kernelsDraw(1) == "1 kernel draws")
        #expect(KernelListing.kernelsDraw(6) == "6 kernels draw")
    }

    // MARK: - KV cache figures

    /// The figures hold the bytes the batch is sized from: `KVCacheBudget`'s free bytes, and as
    /// many sequences of the mean context as the tokens allow.
    @Test(arguments: ["meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct"])
    func theKVFiguresAreTheBudgetsBytes(model: String) throws {
        let d = try estimator.deployment(DeploymentRequest(model: model, gpu: "h100-sxm", gpus: 4, tensorParallel: 4))
        let r = ServingRequest(batch: 64, inputTokens: 1000, outputTokens: 1000)
        let budget = try KVCacheBudget(deployment: d, request: r)
        let kv = KVCacheCapacity(deployment: d, request: r)
        #expect(kv.bytesPerGPU == budget.kvBytesPerGPU)
        #expect(kv.tokensPerEngine % 16 == 0)
        // Sequences at their mean context (1,500 tokens in 16-token pages) fill no more than the tokens.
        #expect(budget.maxBatch * 1504 <= kv.tokensPerEngine && (budget.maxBatch + 1) * 1504 > kv.tokensPerEngine - 16)
        #expect(kv.bytesPerTokenPerGPU == d.kvBytesPerTokenPerGPU)
    }
}
