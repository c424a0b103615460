import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// Block-sparse attention (Phi-3-small): a query attends its 1,024 most recent keys and, further
/// back, one block in eight; the KV cache still holds every token.
@Suite struct BlockSparseAttentionTests {
    static let phi3Small = "microsoft/Phi-3-small-8k-instruct"
    let estimator = Estimator()

    func decode(kv: Int, stride: Int?) -> AttentionShape {
        AttentionShape(batch: 1, heads: 32, kvHeads: 8, queryLength: 1, kvLength: kv, headDim: 128, causal: true,
                       window: 1024, verticalStride: stride, qBytes: 2, kvBytes: 2, unit: .tensor(.fp16))
    }

    /// At 9,216 keys a query sees the 1,024 local keys and 8,192 / 8 strided ones; the 4 query heads
    /// of a KV group stride at 4 different offsets, so half of the distant keys are read.
    @Test func keysFollowTheLocalWindowAndTheStride() {
        let s = decode(kv: 9216, stride: 8)
        #expect(s.meanAttendedKeys == 1024 + 8192 / 8)
        let expected: Double = 1025 + 8191 * 0.5
        #expect(s.keysRead == expected)
        // Without the stride the window alone caps both; inside the window nothing changes.
        #expect(decode(kv: 9216, stride: nil).meanAttendedKeys == 1024)
        #expect(decode(kv: 9216, stride: nil).keysRead == 1025)
        #expect(decode(kv: 600, stride: 8).meanAttendedKeys == 600 && decode(kv: 600, stride: 8).keysRead == 600)
    }

    /// The catalog's Phi-3-small: 16 dense and 16 block-sparse layers; a decode step at a 7,000-token
    /// context costs less than with every layer dense, and the same inside the local window.
    @Test func sparseLayersCostLessOnlyBeyondTheLocalWindow() throws {
        let m = try estimator.models.model(Self.phi3Small)
        let bs = try #require(m.attention.blockSparse)
        #expect(bs.localTokens == 1024 && bs.verticalStride == 8 && bs.layers == 16)
        #expect(LayerVariant.variants(of: m).map(\.1) == [16, 16])
        var dense = m
        dense.attention.blockSparse = nil
        let denseEstimator = Estimator(models: try ModelCatalog(models: [dense]))
        func step(_ e: Estimator, context: Int) throws -> Double {
            let d = try e.deployment(DeploymentRequest(model: Self.phi3Small, gpu: "h100-sxm"))
            return try e.forwardPass(d, phase: .decode(batch: 64, context: context)).time.seconds
        }
        #expect(try step(estimator, context: 7000) < 0.95 * step(denseEstimator, context: 7000))
        let inside = try step(estimator, context: 800), denseInside = try step(denseEstimator, context: 800)
        #expect(approx(inside, denseInside, rel: 1e-12), "\(inside) vs \(denseInside)")
    }

    /// Under `hf` the block-sparse layers run the remote code's Triton kernel, the dense ones
    /// eager attention.
    @Test func hfRunsTheSparseLayersThroughOneKernel() throws {
        let d = try estimator.deployment(DeploymentRequest(model: Self.phi3Small, gpu: "a100-sxm-40gb", framework: .hf))
        let p = try PhasePlanner(deployment: d).program(for: .decode(batch: 1, context: 3000))
        let sparse = try #require(p.blocks.first { $0.name == "layer-blocksparse" }).kernels.map(\.name)
        let dense = try #require(p.blocks.first { $0.name == "layer" }).kernels.map(\.name)
        #expect(sparse.contains("blocksparse_attention") && !sparse.contains("qk_matmul"))
        #expect(dense.contains("qk_matmul") && !dense.contains("blocksparse_attention"))
    }

    /// The KV cache holds every token of a block-sparse layer, as of a dense one.
    @Test func theCacheKeepsEveryToken() throws {
        let m = try estimator.models.model(Self.phi3Small)
        var dense = m
        dense.attention.blockSparse = nil
        let sparse = try estimator.deployment(DeploymentRequest(model: Self.phi3Small, gpu: "h100-sxm"))
        let plain = try Estimator(models: try ModelCatalog(models: [dense]))
            .deployment(DeploymentRequest(model: Self.phi3Small, gpu: "h100-sxm"))
        let r = ServingRequest(batch: 1, inputTokens: 7000, outputTokens: 1000)
        #expect(try KVCacheBudget(deployment: sparse, request: r).maxBatch == KVCacheBudget(deployment: plain, request: r).maxBatch)
    }

    /// A block-sparse pattern the estimator does not model together (a sliding window, experts)
    /// or one with more layers than the model is refused, naming the field.
    @Test func impossiblePatternsAreRefused() {
        func load(_ attention: String, layers: Int = 4) throws {
            let json = #"{"schemaVersion": 1, "models": [{"id": "b", "aliases": [], "family": "f", "layers": \#(layers), "hiddenSize": 64, "heads": 4, "kvHeads": 2, "headDim": 16, "ffnSize": 128, "ffnGated": true, "activation": "gegelu", "norm": "layernorm", "positional": "rope", "maxPositions": 4096, "vocabSize": 1000, "tiedEmbeddings": true, "attention": \#(attention), "defaultPrecision": "bf16", "source": "test"}]}"#
            _ = try ModelCatalog.load(Data(json.utf8), file: "m.json")
        }
        let sparse = #""blockSparse": {"blockSize": 64, "localBlocks": 16, "verticalStride": 8, "layers": 2}"#
        #expect(throws: Never.self) { try load(#"{"kind": "gqa", \#(sparse)}"#) }
        for bad in [#"{"kind": "gqa", "slidingWindow": 128, \#(sparse)}"#,
                    #"{"kind": "gqa", "blockSparse": {"blockSize": 64, "localBlocks": 16, "verticalStride": 8, "layers": 9}}"#,
                    #"{"kind": "gqa", "blockSparse": {"blockSize": 64, "localBlocks": 16, "layers": 2}}"#] {
            #expect {
                try load(bad)
            } throws: { error in
                "\(error)".contains("m.json") && "\(error)".contains("blockSparse")
            }
        }
    }
}
