/**
 * The dead-letter topic `<prefix>dead-letter`: where a group puts a message it cannot decode or
 * that fails the message checks, so the partition goes on. The original key and bytes are kept;
 * the headers say why and where from. Each group that meets the message dead-letters it (the
 * `rh-group` header tells them apart), since each group acknowledges on its own.
 *
 * Headers: `rh-reason` ("<error name>: <message>"), `rh-source-topic`, `rh-source-partition`,
 * `rh-source-offset`, `rh-group`.
 */
import type { KafkaMessage, Producer } from 'kafkajs';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  group: string;
}

/** Resolves once the broker has the dead letter (acks=all); rejects otherwise. */
export async function sendToDeadLetter(
  producer: Producer,
  deadLetterTopic: string,
  source: DeadLetterSource,
  message: KafkaMessage,
  reason: unknown,
): Promise<void> {
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  await producer.send({
    topic: deadLetterTopic,
    acks: -1,
    messages: [
      {
        key: message.key,
        value: message.value,
        headers: {
          'rh-reason': text,
          'rh-source-topic': source.topic,
          'rh-source-partition': String(source.partition),
          'rh-source-offset': message.offset,
          'rh-group': source.group,
        },
      },
    ],
  });
}
