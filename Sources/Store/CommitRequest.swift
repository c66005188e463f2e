import Dispatch

/// One caller's mutations waiting to be written by a group commit, and where its outcome goes.
///
/// Fields are written by the group's leader before it signals `ready` and read by the caller after the
/// wait returns; the semaphore orders the two, hence `@unchecked Sendable`.
final class CommitRequest: @unchecked Sendable {
    let mutations: [StoreMutation]
    /// The events (one per mutation) or why this request alone failed; nil when woken to lead instead.
    var outcome: Result<[StoreEvent], StoreError>?
    /// Left once the group's events reached every subscriber (nil: no subscriber needed them).
    var delivery: DispatchGroup?
    let ready = DispatchSemaphore(value: 0)

    init(mutations: [StoreMutation]) {
        self.mutations = mutations
    }
}

/// Writers waiting for the next group commit. Exactly one writer at a time leads: it takes every waiting
/// request, commits them together, answers them, and hands the lead to the first writer that arrived meanwhile.
struct CommitQueue: ~Copyable {
    var waiting: [CommitRequest] = []
    var leaderActive = false
}
