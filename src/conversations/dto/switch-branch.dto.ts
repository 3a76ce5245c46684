import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** Body of `PUT /conversations/{id}/active-branch`. */
export class SwitchBranchDto {
  @ApiProperty({
    format: 'uuid',
    description: 'A message of the conversation; its branch is shown, down to its newest leaf.',
  })
  @IsUUID()
  message_id!: string;
}
