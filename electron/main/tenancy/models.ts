import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelStatic,
  type Sequelize,
} from 'sequelize'
import { requireScope } from './scope.ts'

import type { OrderStatus } from '../../../contract/types.ts'
export type { OrderStatus }

export class Customer extends Model<InferAttributes<Customer>, InferCreationAttributes<Customer>> {
  declare id: CreationOptional<number>
  declare name: string
  declare email: string
  declare createdAt: CreationOptional<Date>
}

export class Order extends Model<InferAttributes<Order>, InferCreationAttributes<Order>> {
  declare id: CreationOptional<number>
  declare customerId: number
  declare amountCents: number
  declare status: CreationOptional<OrderStatus>
  declare createdAt: CreationOptional<Date>
}

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>
  declare email: string
  declare passwordHash: string
  declare role: CreationOptional<'admin' | 'member'>
  /** Bumped by sign-out: tokens carrying an older version are refused. */
  declare tokenVersion: CreationOptional<number>
  /** Set: the user may not sign in, and its tokens are refused. */
  declare disabledAt: CreationOptional<Date | null>
  declare createdAt: CreationOptional<Date>
}

export interface TenantModels {
  Customer: ModelStatic<Customer>
  Order: ModelStatic<Order>
  User: ModelStatic<User>
}

/** Tenant models name no schema: the scope's search_path picks the tenant's tables. */
function failClosed(model: ModelStatic<Model>): void {
  // Outside withTenant a model query would reach `public`; refuse instead.
  const guard = (): void => {
    requireScope()
  }
  for (const hook of [
    'beforeFind',
    'beforeCount',
    'beforeCreate',
    'beforeBulkCreate',
    'beforeUpdate',
    'beforeBulkUpdate',
    'beforeDestroy',
    'beforeBulkDestroy',
    'beforeUpsert',
  ] as const) {
    model.addHook(hook, guard)
  }
}

const bigintId = {
  type: DataTypes.BIGINT,
  primaryKey: true,
  autoIncrement: true,
  // pg returns int8 as a string; ids stay below 2^53 in practice.
  get(this: Model): number {
    return Number(this.getDataValue('id'))
  },
}

/** Defines the tenant models on a Sequelize instance (idempotent). */
export function defineTenantModels(sequelize: Sequelize): TenantModels {
  if (sequelize.isDefined('Customer')) {
    return {
      Customer: sequelize.model('Customer') as ModelStatic<Customer>,
      Order: sequelize.model('Order') as ModelStatic<Order>,
      User: sequelize.model('User') as ModelStatic<User>,
    }
  }
  // Fresh subclasses per instance: Model.init binds a class to one Sequelize instance.
  const CustomerModel = class extends Customer {}.init(
    {
      id: bigintId,
      name: { type: DataTypes.TEXT, allowNull: false },
      email: { type: DataTypes.TEXT, allowNull: false },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { sequelize, modelName: 'Customer', tableName: 'customers', timestamps: true, updatedAt: false },
  )
  const OrderModel = class extends Order {}.init(
    {
      id: bigintId,
      customerId: {
        type: DataTypes.BIGINT,
        allowNull: false,
        field: 'customer_id',
        get(this: Model): number {
          return Number(this.getDataValue('customerId'))
        },
      },
      amountCents: { type: DataTypes.INTEGER, allowNull: false, field: 'amount_cents' },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { sequelize, modelName: 'Order', tableName: 'orders', timestamps: true, updatedAt: false },
  )
  const UserModel = class extends User {}.init(
    {
      id: bigintId,
      email: { type: DataTypes.TEXT, allowNull: false },
      passwordHash: { type: DataTypes.TEXT, allowNull: false, field: 'password_hash' },
      role: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'member' },
      tokenVersion: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0, field: 'token_version' },
      disabledAt: { type: DataTypes.DATE, allowNull: true, field: 'disabled_at' },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { sequelize, modelName: 'User', tableName: 'users', timestamps: true, updatedAt: false },
  )
  CustomerModel.hasMany(OrderModel, { foreignKey: 'customerId', as: 'orders' })
  OrderModel.belongsTo(CustomerModel, { foreignKey: 'customerId', as: 'customer' })
  for (const model of [CustomerModel, OrderModel, UserModel]) failClosed(model)
  return { Customer: CustomerModel, Order: OrderModel, User: UserModel }
}
