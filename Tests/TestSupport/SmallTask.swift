/// The prefbandit settings of the tests that run real binaries: small enough for debug builds.
public enum SmallTask {
    /// A `[prefbandit]` table (64 pairs, K 8, d 8, 100 steps of batch 16).
    public static let prefbandit = """
        [prefbandit]
        pairs = 64
        heldout_prompts = 32
        responses = 8
        features = 8
        steps = 100
        batch_size = 16
        learning_rate = 0.03
        """
}
