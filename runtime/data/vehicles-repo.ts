import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from './ids';
import { keys } from './keys';
import type { Vehicle } from './records';

export class VehiclesRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Only finds the vehicle under its owner, so another customer's vehicle id is simply not found. */
  async get(customerId: string, vehicleId: string): Promise<Vehicle | null> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.vehicle(customerId, vehicleId),
        ConsistentRead: true,
      }),
    );
    return Item ? toVehicle(Item) : null;
  }

  async listForCustomer(customerId: string): Promise<Vehicle[]> {
    const { pk, skPrefix } = keys.vehiclesOf(customerId);
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
      }),
    );
    return Items.map(toVehicle);
  }

  async add(input: Omit<Vehicle, 'vehicleId' | 'createdAt'>, now: string): Promise<Vehicle> {
    const vehicle: Vehicle = { ...input, vehicleId: newId('veh'), createdAt: now };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.vehicle(vehicle.customerId, vehicle.vehicleId), ...vehicle },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return vehicle;
  }
}

function toVehicle(item: Record<string, unknown>): Vehicle {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Vehicle;
}
