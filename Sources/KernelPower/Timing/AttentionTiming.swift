extension KernelTimer {
    /// Fused attention. Prefill (FlashAttention-2 style): tiles of 128 queries per (sequence, head),
    /// QKᵀ and PV on tensor cores, about 5 CUDA-core FLOPs and one exp per score for the online
    /// softmax (kernel-power.md §1.6, §3.2); K and V come from DRAM once and are re-read from L2
    /// by every query tile. Decode (paged / flash-decoding): every sequence streams its whole KV
    /// cache once, split along the context so that the SMs stay busy (§3.3).
    func attention(_ s: AttentionShape) -> KernelCost {
        let b = Double(s.batch), h = Double(s.heads), kvh = Double(s.kvHeads)
        let q = Double(s.queryLength), dk = Double(s.headDim), dv = Double(s.valueHeadDim)
        let keys = s.meanAttendedKeys
        let kvRead = b * kvh * s.keysRead * (dk + dv) * s.kvBytes
        let qoBytes = b * q * h * (dk + dv) * s.qBytes
        let dram = kvRead + qoBytes
        let scores = s.scoreElements
        let rate = (gpu.mathRate(s.unit, at: clock)?.flopsPerSecond ?? fp32Rate) / sms

        var tiles: Double
        var l2: Double
        if s.isDecode {
            // Split-KV (flash-decoding): the context of each (sequence, KV head) is split into
            // enough chunks to fill the SMs, but never below 64 keys per chunk.
            let pairs = b * kvh
            let splits = min((sms / pairs).rounded(.up), max(1, (keys / 64).rounded(.up)))
            tiles = pairs * max(1, splits)
            l2 = dram
        } else {
            tiles = b * h * (q / 128).rounded(.up)
            l2 = tiles * keys * (dk + dv) * s.kvBytes + qoBytes
        }
        let perSM = (tiles / sms).rounded(.up)
        let tileFLOPs = s.flops / tiles
        let tTensor = perSM * tileFLOPs / (rate * model.attentionEfficiency)
        let softmaxFLOPs = scores * 5
        let tSoftmax = softmaxFLOPs / (fp32Rate * model.cudaCoreEfficiency) * (perSM * sms / tiles) + scores / sfuRate
        // A Hopper prefill tile waits for its softmax between QKᵀ and PV; tcgen05 MMAs run
        // asynchronously into tensor memory beside the softmax of the previous tile (FlashAttention-4,
        // trtllm-gen), as decode's split-KV blocks overlap theirs.
        let tMath = s.isDecode || gpu.hasTensorMemory ? max(tTensor, tSoftmax) : tTensor + tSoftmax
        // Too few blocks cannot keep enough loads in flight to saturate HBM.
        let memoryParallelism = min(1, tiles / sms)
        let pagedEfficiency = s.isDecode ? model.decodeAttentionEfficiency : 1
        let tDram = dram / (bandwidth * pagedEfficiency * max(memoryParallelism, 0.05))
        let tL2 = l2 / l2Bandwidth
        let tSequences = model.decodeSequenceTime(s, gpu: gpu, clock: clock).seconds
        let work = max(tMath, tDram, tL2) + tSequences

        var a = Activity()
        a.tensorFLOPs = s.flops * tensorWeight(s.unit)
        a.fp32FLOPs = softmaxFLOPs + scores
        a.sharedMemoryBytes = 2 * l2
        a.l2Bytes = l2
        a.hbmBytes = dram
        let occupied = tMath >= max(tDram, tL2) ? tiles / (perSM * sms) : tiles / sms
        a.activeSMCycles = min(1, occupied) * sms * (work + model.kernelOverhead.seconds) * hz
        // The fitted per-sequence time names the bound where it outlasts the stream and the math:
        // it is no HBM traffic, so `memory` there pointed readers at a bandwidth 14 % busy.
        return finish(work: work, limits: [(.compute, tMath), (.memory, tDram), (.l2, tL2), (.perSequence, tSequences)], activity: a)
    }
}

extension TimeModel {
    /// What a decode attention kernel spends on its sequences beside their KV stream, at `clock`.
    /// Each sequence costs decode a time of its own in every layer: what its fitted bytes take at
    /// the paged bandwidth (`decodeSequenceBytes`, and `decodeQueryHeadBytes` per query head). What
    /// the work is remains unknown, so its bytes are not counted as HBM traffic (its energy is the
    /// active SM-cycles'), and as it was fitted at the boost clock only it stretches at lower SM
    /// clocks as SM work would: the conservative choice for what a locked clock saves. Zero for
    /// prefill attention.
    public func decodeSequenceTime(_ s: AttentionShape, gpu: GPUSpec, clock: Frequency) -> Time {
        guard s.isDecode else { return .zero }
        let sequenceBytes = Double(s.batch) * (decodeSequenceBytes + Double(s.heads) * decodeQueryHeadBytes)
        return .seconds(sequenceBytes / pagedDecodeBandwidth(gpu) * (gpu.boostClock.si / clock.si))
    }
}
