export { DeliveryCard, DELIVERY_PERIODS } from './DeliveryCard';
export { EntityDeliveryCard } from './EntityDeliveryCard';
