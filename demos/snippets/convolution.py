# PyTorch lecture 10: convolution and pooling on the lecture's small examples.
import torch

input = [3, 4, 6, 5, 7,
         2, 4, 6, 8, 2,
         1, 6, 7, 8, 4,
         9, 7, 4, 6, 2,
         3, 7, 5, 4, 1]  # fmt: skip
input = torch.Tensor(input).view(1, 1, 5, 5)  # (N, C, H, W): a batch of one 1-channel 5x5 image
kernel = torch.Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]).view(1, 1, 3, 3)  # (out_channels, in_channels, kh, kw)

# padding=1: one ring of zeros around the input, so the 3x3 kernel gives a 5x5 output again
conv_layer = torch.nn.Conv2d(1, 1, kernel_size=3, padding=1, bias=False)
conv_layer.weight.data = kernel.data
output_padding = conv_layer(input)
print(output_padding)  # (1, 1, 5, 5)

# stride=2, no padding: the window jumps 2 cells, H' = (5 - 3) // 2 + 1 = 2
conv_layer = torch.nn.Conv2d(1, 1, kernel_size=3, stride=2, bias=False)
conv_layer.weight.data = kernel.data
output_stride = conv_layer(input)
print(output_stride)  # (1, 1, 2, 2)

# One output number by hand: the window times the kernel, element by element, summed
window = input[0, 0, 0:3, 0:3]
by_hand = (window * kernel[0, 0]).sum().item()  # 3·1 + 4·2 + 6·3 + 2·4 + 4·5 + 6·6 + 1·7 + 6·8 + 7·9
print("output[0, 0] without padding:", by_hand, "=", output_stride[0, 0, 0, 0].item())

# Many channels (the lecture's code): n = 5 input channels, m = 10 kernels of 5x3x3
in_channels, out_channels = 5, 10
width, height = 100, 100
kernel_size = 3
batch_size = 1
x = torch.randn(batch_size, in_channels, width, height)
conv_layer = torch.nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size)
output = conv_layer(x)
print(x.shape, output.shape, conv_layer.weight.shape)  # (1, 5, 100, 100) (1, 10, 98, 98) (10, 5, 3, 3)

# Max pooling, kernel 2 (the stride defaults to the kernel size): the largest of each 2x2 block
input = [3, 4, 6, 5,
         2, 4, 6, 8,
         1, 6, 7, 8,
         9, 7, 4, 6]  # fmt: skip
input = torch.Tensor(input).view(1, 1, 4, 4)
maxpooling_layer = torch.nn.MaxPool2d(kernel_size=2)
output_pool = maxpooling_layer(input)
print(output_pool)  # [[4, 8], [9, 8]]
