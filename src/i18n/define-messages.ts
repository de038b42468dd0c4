/** A feature's messages in both languages; the type-checker refuses a key missing from either side. */
export function defineMessages<K extends string>(messages: { fr: Record<K, string>; en: NoInfer<Record<K, string>> }) {
  return messages;
}
