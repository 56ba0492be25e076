/** A probe-queue sender that records message bodies instead of sending them. */
export const recordingSender = (bodies: string[] = []) => ({
  bodies,
  send: async (b: readonly string[]) => {
    bodies.push(...b);
    return { sent: b.length };
  },
});
