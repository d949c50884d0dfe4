// Demonstrates: ack-before-process (the RabbitMQ delivery is acked first, so a database error or a pod
// restart during the insert loses the enrollment: the customer never gets a loyalty account).
import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import type { Knex } from 'knex';
import { KNEX } from '../lib/db';

const WELCOME_BONUS_POINTS = 200;

interface CustomerRegistered {
  customerId: string;
  email: string;
  marketingOptIn: boolean;
  registeredAt: string;
}

@Controller()
export class LoyaltyEnrollmentController {
  private readonly logger = new Logger(LoyaltyEnrollmentController.name);

  constructor(@Inject(KNEX) private readonly db: Knex) {}

  @EventPattern('customer.registered')
  async onCustomerRegistered(@Payload() evt: CustomerRegistered, @Ctx() ctx: RmqContext): Promise<void> {
    const channel = ctx.getChannelRef();
    // Ack right away so a slow database does not hold up the registration queue.
    channel.ack(ctx.getMessage());

    await this.db('loyalty_accounts')
      .insert({
        customer_id: evt.customerId,
        tier: 'bronze',
        points: WELCOME_BONUS_POINTS,
        marketing_opt_in: evt.marketingOptIn,
        enrolled_at: new Date(evt.registeredAt),
      })
      .onConflict('customer_id')
      .ignore();
    this.logger.log(`enrolled customer ${evt.customerId}`);
  }
}
