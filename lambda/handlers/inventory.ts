// Placeholder replaced by the real composition root (being written in parallel).
export const handler = async (): Promise<void> => {};
