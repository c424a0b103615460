import KernelPower

/// The kernels of a Mamba-2 mixer as vLLM's MambaMixer2 runs them (model_executor/layers/mamba):
/// one input projection to z, x, B, C and dt; a depthwise causal convolution over x, B and C;
/// the selective scan (the chunked state-space-duality scan of Dao & Gu 2024 for prompt tokens,
/// one state update per decoding sequence); a gated RMSNorm of y by z; the output projection.
/// Heads split over the tensor-parallel group, so each GPU holds `heads / tp` of them.
extension FusedLayerPlanner {
    func mamba2() -> [Kernel] {
        guard let s = m.hybrid?.mamba else { return [] }
        let heads = d.localMambaHeads, groups = d.localMambaGroups, conv = d.localMambaConvChannels
        let inner = s.innerSize / d.tensorParallel
        // z, then x, B and C (the convolution's channels), then dt.
        var k = [b.linear("in_proj", tokens: phase.tokens, n: inner + conv + heads, k: m.hiddenSize)]
        for g in phase.attentionGroups where g.batch > 0 {
            let rows = Double(g.batch * g.queryLength)
            k.append(convolution(rows: rows, sequences: Double(g.batch), channels: Double(conv), width: s.convKernel, decode: g.isDecode))
            k += g.isDecode ? [stateUpdate(s, sequences: g.batch, heads: heads, groups: groups)]
                : chunkedScan(s, group: g, heads: heads, groups: groups)
        }
        let y = tokens * Double(inner)
        // y × SiLU(z), then RMSNorm over groups of channels: reads y and z, writes the result.
        k.append(b.stream("gated_norm", elements: y, read: 2 * y * b.act, written: y * b.act, flops: 8, special: 1))
        k.append(b.linear("out_proj", tokens: phase.tokens, n: m.hiddenSize, k: inner))
        return k
    }

    /// The causal convolution of width `width` over x, B and C: a prompt's rows read their own
    /// inputs; every sequence reads and rewrites its last `width − 1` inputs in the cache.
    func convolution(rows: Double, sequences: Double, channels: Double, width: Int, decode: Bool) -> Kernel {
        let io = rows * channels * b.act
        let state = sequences * Double(width - 1) * channels * b.act
        return b.stream(decode ? "conv1d_update" : "conv1d", elements: rows * channels,
                        read: io + state + channels * Double(width) * b.act, written: io + state,
                        flops: 2 * Double(width) + 4, special: 1)
    }

    /// One decode step's `selective_state_update`: every sequence reads and rewrites its whole SSM
    /// state (local heads × head dim × state size), which at FP32 outweighs its share of the
    /// weights; per state element a decay, an input product and the output dot product.
    func stateUpdate(_ s: ModelArchitecture.Mamba2, sequences: Int, heads: Int, groups: Int) -> Kernel {
        let states = Double(sequences * heads * s.headDim * s.stateSize)
        let inputs = Double(sequences) * Double(heads * s.headDim * 2 + 2 * groups * s.stateSize + heads) * b.act
        return b.stream("selective_state_update", elements: states, read: states * s.stateBytes + inputs,
                        written: states * s.stateBytes + Double(sequences * heads * s.headDim) * b.act, flops: 6)
    }

    /// The chunked scan of a group of prompts (mamba_chunk_scan_combined): the cumulative decay per
    /// chunk, C·Bᵀ within each chunk, each chunk's state Bᵀ·x, the states passed from chunk to
    /// chunk, and the output from the chunk's own inputs and the state entering it. The last
    /// state of each sequence goes to the cache; a chunk of a longer prompt starts from the cached one.
    func chunkedScan(_ s: ModelArchitecture.Mamba2, group g: AttentionGroup, heads: Int, groups: Int) -> [Kernel] {
        let perSequence = (g.queryLength + s.chunkSize - 1) / s.chunkSize
        let chunks = g.batch * perSequence
        let length = Int((Double(g.queryLength) / Double(perSequence)).rounded(.up))
        let rows = Double(g.batch * g.queryLength)
        let statesPerChunk = Double(heads * s.headDim * s.stateSize)
        let cached = Double(g.batch) * statesPerChunk * s.stateBytes
        let resumed = g.kvLength > g.queryLength ? cached : 0
        return [
            b.stream("ssd_chunk_cumsum", elements: rows * Double(heads), read: rows * Double(heads) * b.act,
                     written: rows * Double(heads) * 8, flops: 4, special: 1),
            b.batchedProduct("ssd_bmm_chunk", batch: chunks * groups, m: length, n: length, k: s.stateSize, outBytes: 4),
            b.batchedProduct("ssd_chunk_state", batch: chunks * heads, m: s.stateSize, n: s.headDim, k: length, outBytes: 4),
            b.stream("ssd_state_passing", elements: Double(chunks) * statesPerChunk,
                     read: Double(chunks) * statesPerChunk * 4 + resumed, written: Double(chunks) * statesPerChunk * 4 + cached, flops: 2),
            b.batchedProduct("ssd_chunk_scan", batch: chunks * heads, m: length, n: s.headDim, k: length + s.stateSize),
        ]
    }
}
