/**
 * Row writes as Odoo's ORM makes them, one business step per method, every timestamp from the
 * virtual clock (UTC naive, as Odoo stores them) and `write_date` bumped on each write:
 * - sale.order `create` (draft, `date_order` = now) then `action_confirm` (state 'sale',
 *   `date_order` = confirmation time — sale/models/sale_order.py `_prepare_confirmation_values`),
 *   which launches stock rules: moves created and confirmed in the same transaction;
 * - stock.move `_action_assign`: creates the move line(s) and sets state 'assigned';
 * - payment.transaction `_set_pending/_set_done/_set_error/_set_canceled` update `state` and
 *   `last_state_change`;
 * - queue.job (OCA job.py): pending → enqueued → started → done | pending again with `retry+1`
 *   and an `eta` (RetryableJobError) | failed;
 * - ir.cron `_process_job`: `lastcall` = start, `nextcall` advanced by whole intervals;
 * - mail.mail `_send`: sent (deleted when `auto_delete`) or exception with failure_type;
 * - account.move `action_post`: state 'posted', `posted_before`; `button_cancel` / `button_draft`;
 * - stock: locations (Stock internal, Customers, Vendors, Inventory adjustment) and products
 *   (storable `detailed_type = 'product'` and consumables), as the stock and product modules'
 *   data create them; moves created confirmed (procurement) or draft (a delivery entered by hand),
 *   and the move lines `_action_assign` creates — at once for moves that bypass reservation.
 *
 * A "late commit" (`reserveId` then an insert with that id and an old `create_date`) is what a
 * long transaction looks like from another session: its ids and `create_date` come from its
 * start, its rows appear only at commit, below ids already visible.
 */
import { pgTimestamp, type SqlQuery } from '../../odoo-exporter/db/index.ts';

const ts = pgTimestamp;

export class OdooWriter {
  constructor(readonly db: SqlQuery) {}

  private async insert(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(`${sql} RETURNING id`, params);
    return rows[0].id;
  }

  async company(name: string, at: number): Promise<number> {
    return this.insert(
      `INSERT INTO res_company (name, currency_id, create_date, write_date) VALUES ($1, 1, $2::timestamp, $2::timestamp)`,
      [name, ts(at)],
    );
  }

  /** the next id of a table's sequence, taken now (a transaction that inserts later) */
  async reserveId(table: string): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT nextval(pg_get_serial_sequence($1, 'id'))::int4 AS id`,
      [table],
    );
    return rows[0].id;
  }

  async location(
    name: string,
    usage: 'internal' | 'customer' | 'supplier' | 'inventory' | 'production',
    at: number,
  ): Promise<number> {
    return this.insert(
      `INSERT INTO stock_location (name, complete_name, usage, scrap_location, create_date, write_date) VALUES ($1, $1, $2, false, $3::timestamp, $3::timestamp)`,
      [name, usage, ts(at)],
    );
  }

  /** a product variant of a new template; `storable` = detailed_type 'product' (17.0), else a consumable */
  async product(name: string, storable: boolean, at: number, v18: boolean): Promise<number> {
    const tmpl = v18
      ? await this.insert(
          `INSERT INTO product_template (name, type, is_storable, create_date, write_date) VALUES ($1::jsonb, 'consu', $2, $3::timestamp, $3::timestamp)`,
          [JSON.stringify({ en_US: name }), storable, ts(at)],
        )
      : await this.insert(
          `INSERT INTO product_template (name, detailed_type, type, create_date, write_date) VALUES ($1::jsonb, $2, $2, $3::timestamp, $3::timestamp)`,
          [JSON.stringify({ en_US: name }), storable ? 'product' : 'consu', ts(at)],
        );
    return this.insert(
      `INSERT INTO product_product (product_tmpl_id, create_date, write_date) VALUES ($1, $2::timestamp, $2::timestamp)`,
      [tmpl, ts(at)],
    );
  }

  async cron(name: string, intervalMinutes: number, nextcall: number, at: number, v18: boolean): Promise<number> {
    const action = await this.insert(
      `INSERT INTO ir_act_server (name, usage, state, model_id, code, create_date, write_date) VALUES ($1::jsonb, 'ir_cron', 'code', 1, 'model._run()', $2::timestamp, $2::timestamp)`,
      [JSON.stringify({ en_US: name }), ts(at)],
    );
    const extra = v18 ? '' : ', numbercall';
    const extraValue = v18 ? '' : ', -1';
    return this.insert(
      `INSERT INTO ir_cron (ir_actions_server_id, cron_name, user_id, active, interval_number, interval_type, nextcall, priority${extra}, create_date, write_date)
       VALUES ($1, $2, 1, true, $3, 'minutes', $4::timestamp, 5${extraValue}, $5::timestamp, $5::timestamp)`,
      [action, name, intervalMinutes, ts(nextcall), ts(at)],
    );
  }

  async runCron(id: number, at: number, nextcall: number): Promise<void> {
    await this.db.query(
      `UPDATE ir_cron SET lastcall = $2::timestamp, nextcall = $3::timestamp, write_date = $2::timestamp WHERE id = $1`,
      [id, ts(at), ts(nextcall)],
    );
  }

  async createSaleOrder(companyId: number, name: string, amount: number, at: number): Promise<number> {
    return this.insert(
      `INSERT INTO sale_order (name, company_id, partner_id, state, date_order, amount_total, create_date, write_date) VALUES ($1, $2, 1, 'draft', $3::timestamp, $4, $3::timestamp, $3::timestamp)`,
      [name, companyId, ts(at), amount],
    );
  }

  async confirmSaleOrder(id: number, at: number): Promise<void> {
    await this.db.query(
      `UPDATE sale_order SET state = 'sale', date_order = $2::timestamp, write_date = $2::timestamp WHERE id = $1`,
      [id, ts(at)],
    );
  }

  async cancelSaleOrder(id: number, at: number): Promise<void> {
    await this.db.query(`UPDATE sale_order SET state = 'cancel', write_date = $2::timestamp WHERE id = $1`, [
      id,
      ts(at),
    ]);
  }

  /** a move as procurement creates it (`create` + `_action_confirm` in one transaction), or a draft one */
  async move(
    companyId: number,
    origin: string,
    productId: number,
    qty: number,
    from: number,
    to: number,
    state: 'confirmed' | 'draft',
    at: number,
  ): Promise<number> {
    return this.insert(
      `INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, state, date, origin, location_id, location_dest_id, create_date, write_date) VALUES ($1, $2, $3, $4, $5, $6::timestamp, $1, $7, $8, $6::timestamp, $6::timestamp)`,
      [origin, companyId, productId, qty, state, ts(at), from, to],
    );
  }

  /**
   * point_of_sale `_create_picking_from_pos_order_lines`: the move, its line with the done
   * quantity and `_action_done`, in the order's transaction
   */
  async posPickingMove(
    companyId: number,
    origin: string,
    productId: number,
    qty: number,
    from: number,
    to: number,
    at: number,
    v16: boolean,
  ): Promise<number> {
    const move = await this.move(companyId, origin, productId, qty, from, to, 'confirmed', at);
    await this.reserveMove(move, companyId, productId, qty, at, v16);
    await this.db.query(`UPDATE stock_move SET state = 'done', write_date = $2::timestamp WHERE id = $1`, [
      move,
      ts(at),
    ]);
    return move;
  }

  /** `_action_confirm` of a draft move */
  async confirmMove(id: number, at: number): Promise<void> {
    await this.db.query(`UPDATE stock_move SET state = 'confirmed', write_date = $2::timestamp WHERE id = $1`, [
      id,
      ts(at),
    ]);
  }

  async reserveMove(
    moveId: number,
    companyId: number,
    productId: number,
    qty: number,
    at: number,
    v16: boolean,
  ): Promise<void> {
    const qtyColumn = v16 ? 'reserved_uom_qty' : 'quantity';
    await this.db.query(
      `INSERT INTO stock_move_line (move_id, company_id, product_id, ${qtyColumn}, create_date, write_date) VALUES ($1, $2, $3, $4, $5::timestamp, $5::timestamp)`,
      [moveId, companyId, productId, qty, ts(at)],
    );
    await this.db.query(`UPDATE stock_move SET state = 'assigned', write_date = $2::timestamp WHERE id = $1`, [
      moveId,
      ts(at),
    ]);
  }

  async payment(
    companyId: number,
    reference: string,
    amount: number,
    at: number,
    operation = 'online_redirect',
  ): Promise<number> {
    return this.insert(
      `INSERT INTO payment_transaction (provider_id, company_id, reference, amount, currency_id, state, last_state_change, operation, partner_id, create_date, write_date) VALUES (1, $1, $2, $3, 1, 'draft', $4::timestamp, $5, 1, $4::timestamp, $4::timestamp)`,
      [companyId, reference, amount, ts(at), operation],
    );
  }

  /** a transaction inserted by a transaction that started at `createdAt` with the id it took then */
  async latePayment(
    id: number,
    companyId: number,
    reference: string,
    amount: number,
    state: string,
    createdAt: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO payment_transaction (id, provider_id, company_id, reference, amount, currency_id, state, last_state_change, operation, partner_id, create_date, write_date) VALUES ($1, 1, $2, $3, $4, 1, $5, $6::timestamp, 'online_token', 1, $6::timestamp, $6::timestamp)`,
      [id, companyId, reference, amount, state, ts(createdAt)],
    );
  }

  async paymentState(
    id: number,
    state: 'pending' | 'authorized' | 'done' | 'cancel' | 'error',
    at: number,
  ): Promise<void> {
    await this.db.query(
      `UPDATE payment_transaction SET state = $2, last_state_change = $3::timestamp, write_date = $3::timestamp WHERE id = $1`,
      [id, state, ts(at)],
    );
  }

  /**
   * pos.order `_process_order`: `date_order` is the till's (`dateOrder`, earlier when the till
   * syncs late); `id` given = a late commit (see reserveId); `createdAt` = the transaction's start.
   */
  async posOrder(
    companyId: number,
    name: string,
    amount: number,
    state: string,
    at: number,
    opts: { dateOrder?: number; id?: number; createdAt?: number } = {},
  ): Promise<number> {
    const created = opts.createdAt ?? at;
    return this.insert(
      `INSERT INTO pos_order (id, name, company_id, session_id, state, date_order, pos_reference, amount_total, create_date, write_date) VALUES (COALESCE($7::int4, nextval(pg_get_serial_sequence('pos_order', 'id'))), $1, $2, 1, $3, $4::timestamp, $1, $5, $6::timestamp, $6::timestamp)`,
      [name, companyId, state, ts(opts.dateOrder ?? at), amount, ts(created), opts.id ?? null],
    );
  }

  /** a restaurant draft overwritten in place by the paid order (`_process_order` with `existing_order`) */
  async payPosDraft(id: number, amount: number, at: number): Promise<void> {
    await this.db.query(
      `UPDATE pos_order SET state = 'paid', amount_total = $2, write_date = $3::timestamp WHERE id = $1`,
      [id, amount, ts(at)],
    );
  }

  async enqueueJob(
    companyId: number,
    channel: string,
    name: string,
    uuid: string,
    maxRetries: number,
    at: number,
  ): Promise<number> {
    return this.insert(
      `INSERT INTO queue_job (uuid, user_id, company_id, name, model_name, method_name, state, priority, date_created, retry, max_retries, channel)
       VALUES ($1, 1, $2, $3, 'sale.order', 'export_record', 'pending', 10, $4::timestamp, 0, $5, $6)`,
      [uuid, companyId, name, ts(at), maxRetries, channel],
    );
  }

  async jobEnqueued(id: number, at: number): Promise<void> {
    await this.db.query(`UPDATE queue_job SET state = 'enqueued', date_enqueued = $2::timestamp WHERE id = $1`, [
      id,
      ts(at),
    ]);
  }

  async jobStarted(id: number, at: number): Promise<void> {
    await this.db.query(`UPDATE queue_job SET state = 'started', date_started = $2::timestamp WHERE id = $1`, [
      id,
      ts(at),
    ]);
  }

  async jobDone(id: number, at: number, execSeconds: number): Promise<void> {
    await this.db.query(
      `UPDATE queue_job SET state = 'done', date_done = $2::timestamp, exec_time = $3, exc_name = NULL, exc_info = NULL WHERE id = $1`,
      [id, ts(at), execSeconds],
    );
  }

  async jobRetry(id: number, retry: number, eta: number): Promise<void> {
    await this.db.query(
      `UPDATE queue_job SET state = 'pending', retry = $2, eta = $3::timestamp, date_enqueued = NULL, date_started = NULL WHERE id = $1`,
      [id, retry, ts(eta)],
    );
  }

  async jobFailed(id: number, retry: number, message: string): Promise<void> {
    await this.db.query(
      `UPDATE queue_job SET state = 'failed', retry = $2, exc_name = 'odoo.exceptions.UserError', exc_message = $3::varchar, exc_info = $3::text WHERE id = $1`,
      [id, retry, message],
    );
  }

  async mail(messageId: number, to: string, at: number, scheduledAt?: number): Promise<number> {
    return this.insert(
      `INSERT INTO mail_mail (mail_message_id, state, auto_delete, email_to, scheduled_date, create_date, write_date) VALUES ($1, 'outgoing', true, $2, $4::timestamp, $3::timestamp, $3::timestamp)`,
      [messageId, to, ts(at), scheduledAt === undefined ? null : ts(scheduledAt)],
    );
  }

  /** mail.mail `_send` over a batch: sent ones are unlinked (auto_delete), failures kept in exception */
  async sendMails(sentIds: number[], failedIds: number[], at: number): Promise<void> {
    if (sentIds.length > 0) await this.db.query(`DELETE FROM mail_mail WHERE id = ANY($1::int4[])`, [sentIds]);
    if (failedIds.length > 0)
      await this.db.query(
        `UPDATE mail_mail SET state = 'exception', failure_type = 'mail_smtp', failure_reason = 'SMTP timeout', write_date = $2::timestamp WHERE id = ANY($1::int4[])`,
        [failedIds, ts(at)],
      );
  }

  async invoice(
    companyId: number,
    name: string,
    amount: number,
    at: number,
    moveType = 'out_invoice',
  ): Promise<number> {
    return this.insert(
      `INSERT INTO account_move (name, company_id, journal_id, move_type, state, date, currency_id, amount_total, create_date, write_date) VALUES ($1, $2, 1, $6, 'draft', $3::date, 1, $4, $5::timestamp, $5::timestamp)`,
      [name, companyId, ts(at).slice(0, 10), amount, ts(at), moveType],
    );
  }

  /** `button_cancel` (a draft or posted entry) and `button_draft` (cancelled or posted back to draft) */
  async moveState(id: number, state: 'cancel' | 'draft', at: number): Promise<void> {
    await this.db.query(`UPDATE account_move SET state = $2, write_date = $3::timestamp WHERE id = $1`, [
      id,
      state,
      ts(at),
    ]);
  }

  async postMove(id: number, at: number): Promise<void> {
    await this.db.query(
      `UPDATE account_move SET state = 'posted', posted_before = true, write_date = $2::timestamp WHERE id = $1`,
      [id, ts(at)],
    );
  }
}
